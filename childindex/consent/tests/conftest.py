from childindex.records.tests.conftest import (  # noqa: F401 - shared journey fixtures
    children,
    county,
    fast_password_hashing,
)
