"""Ages the whole index shares."""

from __future__ import annotations

# The index holds children and care leavers up to 25 (archived records are kept to 25 where a
# young person consents): a date of birth more than this many years ago is not a child's, so
# searches never look further back and feeds reject it.
OLDEST_CHILD_YEARS = 26
