"""A job for the kill drill: it notes each start and end in a file, and takes a while."""

from __future__ import annotations

import os
import time

from django.tasks import task


@task
def drill_job(marker: str, seconds: float) -> str:
    with open(marker, "a") as out:
        out.write(f"start {os.getpid()}\n")
    time.sleep(seconds)
    with open(marker, "a") as out:
        out.write(f"end {os.getpid()}\n")
    return "done"
