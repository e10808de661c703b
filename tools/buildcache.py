"""Input-hash stamps for generated files in the build dir.

A generated file `out` is considered current when `out.sha256` holds the digest of everything
it was made from (input bytes, the generating script, library versions). Scripts call
`current(out, digest)` before regenerating and `stamp(out, digest)` after writing.
"""

from __future__ import annotations

import hashlib
import os


def digest(*parts: bytes | str) -> str:
    """sha256 over the parts, each length-prefixed so part boundaries matter."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def file_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def current(out: str, want: str) -> bool:
    try:
        with open(out + ".sha256", encoding="utf-8") as f:
            return os.path.exists(out) and f.read().strip() == want
    except FileNotFoundError:
        return False


def stamp(out: str, want: str) -> None:
    with open(out + ".sha256", "w", encoding="utf-8") as f:
        f.write(want + "\n")
