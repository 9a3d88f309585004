"""The README's commands, run as written in a fresh clone after `./run demo` (issue 17).

The clone is made from this checkout's last commit. It borrows this checkout's `.venv` and
`node_modules` (linked; `./run` finds its stamps up to date and installs nothing) with the clone
first on PYTHONPATH, so the code that runs is the clone's. Then:

- `./run demo --no-serve` sets up and loads the county (the README's `./run demo` also serves:
  the FHIR block below runs against `./run demo --port P` started in the background);
- every other block is run, the demo's own (API clients, FHIR) first and then the data blocks
  in order, as one bash script each with `set -euo pipefail`, exactly
  as written but for two things the test cannot take from the README: the generate block's
  `--children 250000` becomes `--children 300` (the README says any size works; 250,000 takes
  minutes), and the demo's port 8000 becomes a free port;
- `./run test` (this suite) is not run again from inside itself.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def readme_blocks(text: str) -> list[str]:
    """The ```sh blocks of the README, in order."""
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(clone: Path) -> dict[str, str]:
    """A shell as an operator has one: nothing says which mode, no database, no secret."""
    drop = {
        "CHILDINDEX_MODE",
        "DATABASE_URL",
        "DJANGO_SETTINGS_MODULE",
        "CHILDINDEX_VAR_DIR",
        "CHILDINDEX_SECRET_KEY",
        "CHILDINDEX_STATIC_ROOT",
        "CHILDINDEX_AUDIT_CHECKPOINT_DIR",
        "CHILDINDEX_AUDIT_SIGNING_KEY",
    }
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(clone)
    return env


def _bash(script: str, clone: Path, env: dict[str, str], timeout: int = 600):
    return subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def clone(tmp_path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is needed to clone the checkout")
    target = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)],
        check=True,
        capture_output=True,
    )
    for shared in (".venv", "node_modules"):
        (target / shared).symlink_to(ROOT / shared)
    return target


def test_every_command_in_the_readme_works_as_written_after_run_demo(clone):
    for tool in ("curl", "jq"):
        if shutil.which(tool) is None:
            pytest.skip(f"the README's FHIR block needs {tool}")
    env = _env(clone)
    blocks = readme_blocks((clone / "README.md").read_text())
    assert blocks and blocks[0].lstrip().startswith("./run demo")

    setup = _bash("./run demo --no-serve", clone, env, timeout=900)
    assert setup.returncode == 0, setup.stderr[-3000:]
    assert (clone / "var" / "childindex.sqlite3").is_file()  # the clone's own demo database
    assert "Children to try" in setup.stdout

    port = _free_port()
    server = subprocess.Popen(
        ["./run", "demo", "--port", str(port)],
        cwd=clone,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, "the demo stopped"
                assert time.monotonic() < deadline, "the demo did not start serving"
                time.sleep(0.5)
        ran = []
        # The demo's own blocks (the API clients, the FHIR calls) first, then the data blocks:
        # `directory import --from out/county` loads another county's directory over the demo's
        # (organisation 900001 becomes another school), which the FHIR example Bundle names.
        demo_first = sorted(blocks[1:], key=lambda b: "api-client" not in b and "$BASE" not in b)
        for block in demo_first:
            script = block.replace("--children 250000", "--children 300").replace(
                "127.0.0.1:8000", f"127.0.0.1:{port}"
            )
            if "$BASE" in script:  # the FHIR block: mark each command's answer, to check below
                script = "trap 'echo; echo \"@@ $BASH_COMMAND\"' DEBUG\n" + script
                script += '\necho "README-PATIENT=$PATIENT"\n'
            result = _bash(script, clone, env)
            assert result.returncode == 0, (block, result.stdout[-2000:], result.stderr[-3000:])
            assert "Traceback" not in result.stderr, (block, result.stderr[-3000:])
            ran.append(result)
        fhir = next(r for r in ran if "README-PATIENT=" in r.stdout)
        patient = fhir.stdout.rsplit("README-PATIENT=", 1)[1].strip()
        assert patient and patient != "null", fhir.stdout[-2000:]
        failed = [
            answer[:3000]
            for answer in fhir.stdout.split("\n@@ ")
            if '"severity":"error"' in answer.replace(" ", "")
            or '"severity":"fatal"' in answer.replace(" ", "")
        ]
        assert failed == [], failed
        assert (clone / "out" / "county" / "children.csv").is_file()
        assert (clone / "links.csv").is_file()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
