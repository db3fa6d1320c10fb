"""Reading DAN configs from JSON (strictly validated) and writing them in canonical form.

``loads``/``load`` turn untrusted JSON into model objects or raise a
:class:`~danmodel.errors.ValidationError` listing every problem with its path;
``dumps``/``dump`` write canonical JSON: keys in the reference's order, every
field explicit (defaults included), 2-space indent, UTF-8, final newline.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar, overload

import attrs

from . import _text, v2
from ._canonical import canonical_text
from ._fields import Object
from ._reader import read_or_raise
from .errors import Problem, ValidationError

if TYPE_CHECKING:
    from . import v1

RuntimeProfile: TypeAlias = object
"""A :class:`danmodel.check.Profile` or its name ``NAME[@VERSION]``.

Typed loosely on purpose: the codec does not depend on :mod:`danmodel.check`.
"""

_Prepare = Callable[[Any, Any], Any]
_prepare_for_runtime: list[_Prepare] = []
"""Set by :mod:`danmodel` to :func:`danmodel.check.spelling.prepare`, loaded on first use.

The codec does not import :mod:`danmodel.check` (which imports the codec):
the package that holds both wires them together.
"""


def set_runtime_preparer(prepare: _Prepare) -> None:
    """Let ``dumps(..., profile=...)`` spell configs through ``prepare(config, profile)``."""
    _prepare_for_runtime[:] = [prepare]


__all__ = [
    "MAX_DOCUMENT_BYTES",
    "AnyConfig",
    "dump",
    "dumps",
    "from_dict",
    "load",
    "loads",
    "to_dict",
]

MAX_DOCUMENT_BYTES = _text.MAX_DOCUMENT_BYTES

if TYPE_CHECKING:
    AnyConfig: TypeAlias = v1.DanConfig | v2.DanConfig
else:

    def __getattr__(name: str) -> object:
        # AnyConfig names danmodel.v1, which is imported on first use (see _known).
        if name == "AnyConfig":
            from . import v1

            return v1.DanConfig | v2.DanConfig
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ROOT_EXPECTED = 'an object {"netns": ..., "devices": [...]} (a DAN config)'

# The model classes of the revisions loaded so far: danmodel.v1 is imported by the first
# use of revision 1 (or by a user), and its classes are added then (see _known).
_MODEL_CLASSES: set[type] = set()
_CONFIG_CLASSES: set[type] = set()
_MODULES: set[str] = set()
_OBJECT_KINDS: dict[type, Object] = {}
_ROOTS: dict[int, Object] = {}


def _add_revision(number: int, module: Any) -> None:
    """Know the classes of the revision model module ``module`` (fully imported)."""
    _MODEL_CLASSES.update(
        item for item in (getattr(module, name) for name in module.__all__) if attrs.has(item)
    )
    _CONFIG_CLASSES.add(module.DanConfig)
    _ROOTS.setdefault(number, Object(module.DanConfig, _ROOT_EXPECTED))
    _MODULES.add(module.__name__)


_add_revision(2, v2)
_LATER_MODULES = {f"{__package__}.v1": 1}
"""The other revisions of :data:`danmodel.revisions.REVISIONS`, by model module: imported on
first use, not by the codec (a test holds this table to the registry)."""


def _known(cls: type, classes: set[type]) -> bool:
    """Whether ``cls`` is in ``classes``, once the revisions imported since are added."""
    if cls in classes:
        return True
    for name, number in _LATER_MODULES.items():
        module = sys.modules.get(name)
        # DanConfig is defined last: a module that has it has all its classes.
        if name not in _MODULES and hasattr(module, "DanConfig"):
            _add_revision(number, module)
    return cls in classes


def _root(revision: object) -> Object | None:
    """The root of a config of ``revision``, importing its model on first use; None if unknown."""
    if type(revision) is not int:
        return None
    found = _ROOTS.get(revision)
    if found is None:
        from .revisions import REVISIONS

        if revision in REVISIONS:
            model = REVISIONS[revision].model
            _known(model.DanConfig, _CONFIG_CLASSES)
            found = _ROOTS[revision]
    return found


def to_dict(obj: object) -> dict[str, Any]:
    """A config, or any model object, as JSON-ready data: dicts, lists, str, int and None.

    A device variant (``HostTap``, ...) is written without its ``"type"`` tag,
    which belongs to the ``device`` key of :class:`DanDevice`.
    """
    if type(obj) not in _MODEL_CLASSES and not _known(type(obj), _MODEL_CLASSES):
        raise TypeError(f"expected a danmodel model object, found {type(obj).__name__}")
    from ._writer import to_data  # with cattrs, on first use

    return to_data(obj)


def dumps(config: AnyConfig, *, profile: RuntimeProfile | None = None) -> str:
    """The config as canonical JSON text.

    ``dumps(loads(dumps(c))) == dumps(c)`` holds byte for byte. With ``profile``
    (``"runtime-rs"``, ``"go-runtime@3.10"``, a :class:`~danmodel.check.Profile`)
    neighbor addresses are spelled as that runtime parses them, and a config it
    would reject raises :class:`~danmodel.check.ProfileRejectedError`.

    What ``dumps`` writes, :func:`loads` reads: a config whose text would be
    larger than :data:`MAX_DOCUMENT_BYTES` raises :class:`ValidationError`.
    """
    if profile is not None:
        (prepare,) = _prepare_for_runtime
        config = prepare(config, profile)
    if type(config) not in _CONFIG_CLASSES and not _known(type(config), _CONFIG_CLASSES):
        raise TypeError(f"expected a DanConfig, found {type(config).__name__}")
    text = canonical_text(config) + "\n"
    # A character is 1 to 4 bytes of UTF-8: encode only when the size is in doubt.
    if len(text) > MAX_DOCUMENT_BYTES // 4 and (
        len(text) > MAX_DOCUMENT_BYTES or len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES
    ):
        size = len(text.encode("utf-8"))
        raise ValidationError(
            [
                Problem(
                    path="$",
                    message=f"the canonical text would be {size} bytes; danmodel reads at most "
                    f"{MAX_DOCUMENT_BYTES} (MAX_DOCUMENT_BYTES), so it writes no more",
                )
            ]
        )
    return text


def dump(
    config: AnyConfig,
    target: str | os.PathLike[str] | IO[str],
    *,
    profile: RuntimeProfile | None = None,
) -> None:
    """Write the config as canonical JSON to a path (atomically replaced) or a text file.

    A path is replaced as :class:`~danmodel.store.DanStore` replaces its files:
    a temporary file in the same directory, flushed to disk and renamed over
    the target, then the directory flushed; a failure leaves the old file.

    ``profile``: see :func:`dumps`; a rejected config writes nothing.
    """
    text = dumps(config, profile=profile)
    if hasattr(target, "write"):
        target.write(text)
        return
    from pathlib import Path  # only when writing to a path, to keep `import danmodel` light

    from . import _files

    path = Path(target)
    umask = os.umask(0)
    os.umask(umask)
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _files.replace(
            path.name,
            text.encode("utf-8"),
            directory,
            mode=0o666 & ~umask,
            temporary_prefix=f".{path.name}.tmp.",
        )
    finally:
        os.close(directory)


# --- reading -----------------------------------------------------------------------------

_ARRAY_ROOT = (
    'expected an object {"netns": ..., "devices": [...]} (a DAN config), found an array; '
    "a top-level array is the shape of the never-merged prototype dantap plugin"
)
_DEVICE_ROOT = 'this is a single device object; a DAN config holds devices in {"devices": [...]}'


def _object_kind(cls: type) -> Object:
    kind = _OBJECT_KINDS.get(cls)
    if kind is None:
        if not (isinstance(cls, type) and attrs.has(cls) and _known(cls, _MODEL_CLASSES)):
            raise TypeError(f"expected a danmodel model class, found {cls!r}")
        kind = _OBJECT_KINDS.setdefault(cls, Object(cls))
    return kind


def _device_root(value: object) -> list[Problem]:
    """The hint for a lone device object given where a config belongs."""
    if (
        isinstance(value, dict)
        and "devices" not in value
        and {"device", "network_info"} <= set(value)
    ):
        return [Problem(path="$", message=_DEVICE_ROOT)]
    return []


def _read(
    value: object,
    *,
    revision: int = 2,
    root: Object | None = None,
    strict: bool,
    source: str | None,
    stacklevel: int,
    irregular: bool = False,
    text: str | None = None,
) -> Any:
    """Read ``value`` as ``root`` (a config of ``revision`` by default).

    Raises ValidationError; warns, ``stacklevel`` frames up, of ignored keys.
    """
    if root is None:
        found = _root(revision)
        if found is None:
            from .revisions import revision as find_revision

            try:
                find_revision(revision)
            except ValueError as error:
                raise ValidationError(
                    [Problem(path="$", message=str(error))], source=source
                ) from None
            raise AssertionError(f"revision {revision!r} has no model")  # pragma: no cover
        root = found
    is_config = root.cls in _CONFIG_CLASSES
    if is_config and type(value) is list:
        raise ValidationError([Problem(path="$", message=_ARRAY_ROOT)], source=source)
    return read_or_raise(
        value,
        root,
        strict=strict,
        source=source,
        irregular=irregular,
        stacklevel=stacklevel,
        notes=_device_root if is_config else None,
        text=text,
    )


@overload
def loads(
    data: str | bytes | bytearray,
    *,
    revision: Literal[2] = ...,
    strict: bool = ...,
    source: str | None = ...,
) -> v2.DanConfig: ...
@overload
def loads(
    data: str | bytes | bytearray,
    *,
    revision: Literal[1],
    strict: bool = ...,
    source: str | None = ...,
) -> v1.DanConfig: ...
@overload
def loads(
    data: str | bytes | bytearray, *, revision: int, strict: bool = ..., source: str | None = ...
) -> AnyConfig: ...
def loads(
    data: str | bytes | bytearray,
    *,
    revision: int = 2,
    strict: bool = True,
    source: str | None = None,
) -> AnyConfig:
    """Read a DAN config from JSON text or UTF-8 bytes.

    ``strict=True`` refuses keys the format does not define, with a hint;
    ``strict=False`` ignores them as the runtimes do and reports them in an
    :class:`~danmodel.errors.IgnoredKeysWarning`. ``revision=1`` refuses content
    that only revision 2 defines. ``source`` names the document in errors.
    Any problem raises one :class:`~danmodel.errors.ValidationError` listing all.
    """
    return _loads(data, revision=revision, strict=strict, source=source, stacklevel=4)


def _loads(
    data: object, *, revision: int, strict: bool, source: str | None, stacklevel: int
) -> AnyConfig:
    text = _text.decode_text(data, source)
    parsed = _text.parse(text, source)
    config: AnyConfig = _read(
        parsed.value,
        revision=revision,
        strict=strict,
        source=source,
        stacklevel=stacklevel,
        irregular=parsed.irregular,
        text=text,
    )
    return config


@overload
def load(
    file: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    revision: Literal[2] = ...,
    strict: bool = ...,
) -> v2.DanConfig: ...
@overload
def load(
    file: str | os.PathLike[str] | IO[str] | IO[bytes], *, revision: Literal[1], strict: bool = ...
) -> v1.DanConfig: ...
@overload
def load(
    file: str | os.PathLike[str] | IO[str] | IO[bytes], *, revision: int, strict: bool = ...
) -> AnyConfig: ...
def load(
    file: str | os.PathLike[str] | IO[str] | IO[bytes], *, revision: int = 2, strict: bool = True
) -> AnyConfig:
    """Read a DAN config from a path or an open file; see :func:`loads`.

    At most :data:`MAX_DOCUMENT_BYTES` are read. An unreadable path raises
    ``OSError`` as usual.
    """
    if type(file) is str:
        data: str | bytes = read_file(file)
        source: str | None = file
    else:
        data, source = _text.read_document(file)
    return _loads(data, revision=revision, strict=strict, source=source, stacklevel=4)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 64 * 1024


def read_file(path: str) -> bytes:
    """The bytes of the file at ``path`` as :func:`load` reads them (at most one past the limit).

    Plain system calls: a third of the cost of ``open()`` for a small file.
    A file shorter than one chunk is read by one ``pread``: it works only on
    a seekable file (a pipe refuses it before reading anything, and is then
    read to its end), whose read comes back short only at its end.
    Anything unusual (a name that cannot be opened, a directory) goes
    through :func:`danmodel._text.read_document`, which raises as ``open`` does.
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError):
        return _bytes_of(_text.read_document(path)[0])
    try:
        try:
            first = os.pread(descriptor, _CHUNK, 0)
        except OSError as error:
            import errno  # only for a pipe: not loaded by a one-shot process

            if error.errno != errno.ESPIPE:
                raise
            return _read_stream(descriptor)
        if len(first) < _CHUNK:
            return first
        os.lseek(descriptor, len(first), os.SEEK_SET)  # pread left the offset at 0
        return _read_stream(descriptor, [first])
    except OSError:  # a directory: read it as open() would, to raise the same error
        return _bytes_of(_text.read_document(path)[0])
    finally:
        os.close(descriptor)


def _read_stream(descriptor: int, chunks: list[bytes] | None = None) -> bytes:
    """``chunks`` read so far, then what is left of the file, pipe, FIFO or terminal, to its
    end (at most one byte past the limit in all)."""
    chunks = [] if chunks is None else chunks
    total = sum(len(chunk) for chunk in chunks)
    while total <= MAX_DOCUMENT_BYTES:
        chunk = os.read(descriptor, min(_CHUNK, MAX_DOCUMENT_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _bytes_of(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")


_T = TypeVar("_T")


@overload
def from_dict(
    data: object, cls: None = ..., *, revision: Literal[2] = ..., strict: bool = ...
) -> v2.DanConfig: ...
@overload
def from_dict(
    data: object, cls: None = ..., *, revision: Literal[1], strict: bool = ...
) -> v1.DanConfig: ...
@overload
def from_dict(data: object, cls: type[_T], *, strict: bool = ...) -> _T: ...
def from_dict(
    data: object, cls: type[Any] | None = None, *, revision: int = 2, strict: bool = True
) -> Any:
    """Read JSON-shaped data (dicts, lists, str, int, None); see :func:`loads`.

    Without ``cls`` the data is a whole config of ``revision``; with ``cls``
    (any model class, e.g. ``danmodel.v1.Route``) it is one object of that
    class, in the form :func:`to_dict` gives it, and ``revision`` is the class's.
    """
    if cls is None:
        return _read(data, revision=revision, strict=strict, source=None, stacklevel=3)
    return _read(data, root=_object_kind(cls), strict=strict, source=None, stacklevel=3)
