from __future__ import annotations

import pytest

from childindex.audit.checkpoints import generate_key_pair


@pytest.fixture
def checkpointing(settings, tmp_path):
    """Checkpoints into a temporary folder, signed with a fresh key."""
    key = tmp_path / "keys" / "audit-signing-key.pem"
    generate_key_pair(key)
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.AUDIT_SIGNING_KEY = key
    settings.AUDIT_PUBLIC_KEYS = [key.with_name(key.name + ".pub")]
    settings.AUDIT_SIGNING_KEY_AUTOCREATE = False
    settings.AUDIT_WITNESS_FILES = [tmp_path / "witness" / "audit-witness.json"]
    return settings.AUDIT_CHECKPOINT_DIR
