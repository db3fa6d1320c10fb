"""The entry point of a CNI plugin: the protocol of the CNI specification 1.1.

:func:`main` is what a plugin's ``main`` calls. It reads the environment
(``CNI_COMMAND``, ``CNI_CONTAINERID``, ``CNI_NETNS``, ``CNI_IFNAME``,
``CNI_ARGS``, ``CNI_PATH``) and the network configuration on standard input,
checks them, negotiates the version, and calls the plugin's function for the
command (ADD, DEL, CHECK, STATUS, GC) with a :class:`Request`; VERSION it
answers itself. ADD's result goes to standard output; any failure goes there
as the specification's error JSON (``cniVersion``, ``code``, ``msg``,
``details``) with exit status 1. Exceptions map to codes as
:func:`error_for` says; nothing prints a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, Final

import attrs

from ..errors import DanError, Problem, ValidationError
from .result import VERSIONS

__all__ = [
    "CHECK_FAILED",
    "DECODING_FAILURE",
    "DEVICE_CONFLICT",
    "INCOMPATIBLE_VERSION",
    "INTERNAL_ERROR",
    "INVALID_ENVIRONMENT",
    "INVALID_NETWORK_CONFIG",
    "IO_FAILURE",
    "LATEST",
    "LIMITED_CONNECTIVITY",
    "NOT_AVAILABLE",
    "RUNTIME_REJECTS",
    "TRY_AGAIN_LATER",
    "UNKNOWN_CONTAINER",
    "UNSUPPORTED_FIELD",
    "CniError",
    "Handler",
    "Request",
    "error_for",
    "main",
    "pass_through",
]

LATEST: Final = "1.1.0"
"""The newest version of the specification this module speaks."""

# The specification's well-known error codes (1-99 are reserved to it).
INCOMPATIBLE_VERSION: Final = 1
UNSUPPORTED_FIELD: Final = 2
UNKNOWN_CONTAINER: Final = 3
INVALID_ENVIRONMENT: Final = 4
IO_FAILURE: Final = 5
DECODING_FAILURE: Final = 6
INVALID_NETWORK_CONFIG: Final = 7
TRY_AGAIN_LATER: Final = 11
NOT_AVAILABLE: Final = 50
LIMITED_CONNECTIVITY: Final = 51
# danmodel's own codes (100 and up are the plugin's).
DEVICE_CONFLICT: Final = 100
"""The DAN file holds a different device under the same guest name."""
RUNTIME_REJECTS: Final = 101
"""The configured Kata runtime would reject the DAN file the change makes."""
CHECK_FAILED: Final = 102
"""CHECK: the DAN file does not hold what ADD writes."""
INTERNAL_ERROR: Final = 999
"""A failure of the plugin itself (a bug): ``details`` names the exception."""

_COMMANDS: Final = ("ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION")
# Which commands need each variable (as the reference library's skel does).
_REQUIRED: Final = {
    "CNI_CONTAINERID": ("ADD", "DEL", "CHECK"),
    "CNI_NETNS": ("ADD", "CHECK"),
    "CNI_IFNAME": ("ADD", "DEL", "CHECK"),
    "CNI_PATH": ("ADD", "DEL", "CHECK"),
}
_SINCE: Final = {"CHECK": "0.4.0", "STATUS": "1.1.0", "GC": "1.1.0"}
_ID: Final = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.\-]*")
_MAX_STDIN: Final = 16 * 1024 * 1024
_VALID_ATTACHMENTS: Final = "cni.dev/valid-attachments"


class CniError(DanError):
    """An error a plugin reports: the specification's ``code``, ``msg`` and ``details``."""

    def __init__(self, code: int, msg: str, details: str = "") -> None:
        self.code = code
        self.msg = msg
        self.details = details
        super().__init__(f"{msg}: {details}" if details else msg)

    def to_json(self, version: str) -> dict[str, Any]:
        """The error as the specification writes it, for a config of ``version``."""
        error: dict[str, Any] = {"cniVersion": version, "code": self.code, "msg": self.msg}
        if self.details:
            error["details"] = self.details
        return error


def _problems(error: ValidationError) -> str:
    return "; ".join(str(problem) for problem in error.errors)


def error_for(error: BaseException) -> CniError:
    """The CNI error an exception is reported as.

    =============================================  ====================================
    exception                                      code
    =============================================  ====================================
    :class:`CniError`                              its own
    ``danmodel.check.ProfileRejectedError``        101 (:data:`RUNTIME_REJECTS`)
    ``danmodel.store.InvalidSandboxId``            4 (:data:`INVALID_ENVIRONMENT`)
    ``danmodel.store.SandboxNotFound``             3 (:data:`UNKNOWN_CONTAINER`)
    ``danmodel.store.StoreError``, ``OSError``     5 (:data:`IO_FAILURE`)
    :class:`~danmodel.errors.ValidationError`      7 (:data:`INVALID_NETWORK_CONFIG`)
    other :class:`~danmodel.errors.DanError`       7 (:data:`INVALID_NETWORK_CONFIG`)
    anything else                                  999 (:data:`INTERNAL_ERROR`)
    =============================================  ====================================
    """
    if isinstance(error, CniError):
        return error
    # An exception's class is loaded when it is raised: look in sys.modules rather than
    # import the store or the runtime rules for an error that cannot be theirs.
    findings = sys.modules.get("danmodel.check.findings")
    if findings is not None and isinstance(error, findings.ProfileRejectedError):
        return CniError(
            RUNTIME_REJECTS, "the Kata runtime would reject the DAN file", _problems(error)
        )
    store = sys.modules.get("danmodel.store")
    if store is not None and isinstance(error, store.InvalidSandboxId):
        return CniError(INVALID_ENVIRONMENT, "invalid CNI_CONTAINERID", str(error))
    if store is not None and isinstance(error, store.SandboxNotFound):
        return CniError(UNKNOWN_CONTAINER, "the sandbox has no DAN file", str(error))
    if isinstance(error, OSError):
        return CniError(IO_FAILURE, "I/O failure", str(error))
    if isinstance(error, ValidationError):
        return CniError(INVALID_NETWORK_CONFIG, "invalid network configuration", _problems(error))
    if isinstance(error, DanError):
        return CniError(INVALID_NETWORK_CONFIG, "invalid network configuration", str(error))
    return CniError(INTERNAL_ERROR, "internal error", f"{type(error).__name__}: {error}")


@attrs.frozen(kw_only=True)
class Request:
    """One invocation of the plugin: its environment and its network configuration."""

    command: str
    """``ADD``, ``DEL``, ``CHECK``, ``STATUS`` or ``GC``."""
    container_id: str = ""
    """``CNI_CONTAINERID`` (checked against the specification's grammar)."""
    netns: str = ""
    """``CNI_NETNS``: the path of the container's network namespace."""
    ifname: str = ""
    """``CNI_IFNAME``: the interface name in the container."""
    args: tuple[tuple[str, str], ...] = ()
    """``CNI_ARGS``, ``K1=V1;K2=V2`` as pairs."""
    path: tuple[str, ...] = ()
    """``CNI_PATH``: where to find plugins."""
    config: Mapping[str, Any] = attrs.field(factory=dict)
    """The whole network configuration from standard input."""
    cni_version: str = LATEST
    """The configuration's ``cniVersion``: results and errors are written in it."""
    name: str = ""
    """The network's ``name``."""
    type: str = ""
    """The plugin's ``type``."""
    prev_result: Mapping[str, Any] | None = None
    """``prevResult``: the result of the plugins before this one, as given."""
    runtime_config: Mapping[str, Any] = attrs.field(factory=dict)
    """``runtimeConfig``: the capabilities the runtime filled in."""
    valid_attachments: tuple[tuple[str, str], ...] | None = None
    """GC: ``cni.dev/valid-attachments`` as (container id, ifname) pairs."""
    stderr: IO[str] | None = attrs.field(default=None, eq=False, repr=False)

    def log(self, message: str) -> None:
        """Write one line to standard error (the runtime's log)."""
        if self.stderr is not None:
            self.stderr.write(message.rstrip("\n") + "\n")


Handler = Callable[[Request], "Mapping[str, Any] | None"]
"""A plugin's function for one command: ADD returns the result; the others return None."""


def pass_through(request: Request) -> dict[str, Any]:
    """ADD's result for a plugin that changes nothing: ``prevResult`` in the config's version.

    Keys the plugin does not know are kept. Between 0.x and 1.x, ``ips``
    gain or lose ``version``; to 0.x, interfaces lose the 1.1.0 keys.
    """
    if request.prev_result is None:
        return {"cniVersion": request.cni_version}
    return _in_version(request.prev_result, request.cni_version)


def _in_version(result: Mapping[str, Any], version: str) -> dict[str, Any]:
    converted: dict[str, Any] = {**result, "cniVersion": version}
    old = version.startswith("0.")
    ips = result.get("ips")
    if type(ips) is list:
        converted["ips"] = [_ip_in_version(ip, old) for ip in ips]
    interfaces = result.get("interfaces")
    if old and type(interfaces) is list:
        converted["interfaces"] = [
            {k: v for k, v in item.items() if k not in ("mtu", "socketPath", "pciID")}
            if isinstance(item, dict)
            else item
            for item in interfaces
        ]
    return converted


def _ip_in_version(ip: object, old: bool) -> object:
    if not isinstance(ip, dict):
        return ip
    if not old:
        return {k: v for k, v in ip.items() if k != "version"}
    if "version" in ip or type(ip.get("address")) is not str:
        return ip
    return {"version": "6" if ":" in ip["address"] else "4", **ip}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _environment(environ: Mapping[str, str], command: str) -> dict[str, str]:
    values = {}
    for variable, commands in _REQUIRED.items():
        value = environ.get(variable, "")
        if command in commands and not value:
            raise CniError(INVALID_ENVIRONMENT, f"required env variable {variable} is missing")
        values[variable] = value
    container_id = values["CNI_CONTAINERID"]
    if container_id and not _ID.fullmatch(container_id):
        raise CniError(
            INVALID_ENVIRONMENT,
            "invalid characters in CNI_CONTAINERID",
            f"{container_id!r}: a container id starts with a letter or digit, followed by "
            "letters, digits, '_', '.' or '-'",
        )
    ifname = values["CNI_IFNAME"]
    if ifname:
        from .._fields import IFNAME

        found = IFNAME.check(ifname)
        if found is not None:
            raise CniError(INVALID_ENVIRONMENT, "invalid CNI_IFNAME", found[1])
    return values


def _args(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in text.split(";") if text else ():
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise CniError(
                INVALID_ENVIRONMENT,
                "invalid CNI_ARGS",
                f"{item!r} is not KEY=VALUE (CNI_ARGS is KEY=VALUE pairs separated by ';')",
            )
        pairs.append((key, value))
    return tuple(pairs)


def _no_constants(token: str) -> object:
    raise ValueError(f"{token} is not valid JSON")


def _config(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except RecursionError:
        raise CniError(
            DECODING_FAILURE, "cannot decode the network configuration", "it nests too deeply"
        ) from None
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise CniError(
            DECODING_FAILURE, "cannot decode the network configuration", str(error)
        ) from None
    if not isinstance(value, dict):
        raise CniError(
            DECODING_FAILURE, "cannot decode the network configuration", "expected a JSON object"
        )
    return value


def _invalid(path: str, message: str) -> CniError:
    return CniError(
        INVALID_NETWORK_CONFIG,
        "invalid network configuration",
        str(Problem(path=path, message=message)),
    )


def _string(config: Mapping[str, Any], key: str, *, required: bool) -> str:
    value = config.get(key)
    if value is None and not required:
        return ""
    if type(value) is not str or (required and not value):
        found = "missing" if key not in config else f"not a non-empty string: {value!r}"
        raise _invalid(f"$.{key}", f"{key} is {found}")
    return value


def _object(config: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid(f"$.{key}", f"expected an object, found {type(value).__name__}")
    return value


def _attachments(config: Mapping[str, Any]) -> tuple[tuple[str, str], ...] | None:
    value = config.get(_VALID_ATTACHMENTS)
    if value is None:
        return None
    where = f"$['{_VALID_ATTACHMENTS}']"
    if type(value) is not list:
        raise _invalid(where, "expected an array of {containerID, ifname} objects")
    pairs = []
    for index, item in enumerate(value):
        if (
            not isinstance(item, dict)
            or type(item.get("containerID")) is not str
            or type(item.get("ifname")) is not str
        ):
            raise _invalid(f"{where}[{index}]", "expected an object with containerID and ifname")
        pairs.append((item["containerID"], item["ifname"]))
    return tuple(pairs)


def _request(
    command: str,
    environ: Mapping[str, str],
    config: dict[str, Any],
    versions: Sequence[str],
    stderr: IO[str],
) -> Request:
    values = _environment(environ, command)
    version = _string(config, "cniVersion", required=True)
    if version not in versions:
        raise CniError(
            INCOMPATIBLE_VERSION,
            "incompatible CNI versions",
            f"config is {version!r}, plugin supports {list(versions)}",
        )
    since = _SINCE.get(command)
    if since is not None and _version_key(version) < _version_key(since):
        raise CniError(
            INCOMPATIBLE_VERSION,
            f"config version does not allow {command}",
            f"{command} exists from cniVersion {since} on; the config is {version}",
        )
    name = _string(config, "name", required=command not in ("STATUS",))
    if name and not _ID.fullmatch(name):
        raise _invalid(
            "$.name",
            f"invalid network name {name!r}: it starts with a letter or digit, followed by "
            "letters, digits, '_', '.' or '-'",
        )
    return Request(
        command=command,
        container_id=values["CNI_CONTAINERID"],
        netns=values["CNI_NETNS"],
        ifname=values["CNI_IFNAME"],
        args=_args(environ.get("CNI_ARGS", "")),
        path=tuple(part for part in values["CNI_PATH"].split(os.pathsep) if part),
        config=config,
        cni_version=version,
        name=name,
        type=_string(config, "type", required=True),
        prev_result=_object(config, "prevResult"),
        runtime_config=_object(config, "runtimeConfig") or {},
        valid_attachments=_attachments(config) if command == "GC" else None,
        stderr=stderr,
    )


def _version_info(data: bytes, versions: Sequence[str]) -> dict[str, Any]:
    asked: object = None
    try:
        config = json.loads(data.decode("utf-8")) if data.strip() else {}
    except ValueError:
        config = {}
    if isinstance(config, dict):
        asked = config.get("cniVersion")
    version = asked if isinstance(asked, str) and asked in versions else LATEST
    return {"cniVersion": version, "supportedVersions": list(versions)}


def main(
    *,
    add: Handler,
    delete: Handler,
    check: Handler | None = None,
    status: Handler | None = None,
    gc: Handler | None = None,
    versions: Sequence[str] = VERSIONS,
    environ: Mapping[str, str] | None = None,
    stdin: IO[bytes] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run one CNI command and return the exit status (0 done, 1 an error was written).

    ``add`` returns the result to print; ``delete``, ``check``, ``status`` and
    ``gc`` return None. A missing ``check`` passes, a missing ``status``
    reports the plugin available, a missing ``gc`` collects nothing.
    ``versions`` are the ``cniVersion`` s the plugin supports. ``environ``,
    ``stdin``, ``stdout`` and ``stderr`` default to the process's.
    """
    environ = os.environ if environ is None else environ
    stdin = sys.stdin.buffer if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    version = LATEST
    try:
        command = environ.get("CNI_COMMAND", "")
        if not command:
            raise CniError(INVALID_ENVIRONMENT, "required env variable CNI_COMMAND is missing")
        if command not in _COMMANDS:
            raise CniError(
                INVALID_ENVIRONMENT,
                f"unknown CNI_COMMAND: {command}",
                f"expected one of {', '.join(_COMMANDS)}",
            )
        data = stdin.read(_MAX_STDIN + 1)
        if command == "VERSION":
            stdout.write(json.dumps(_version_info(data, versions)) + "\n")
            return 0
        if len(data) > _MAX_STDIN:
            raise CniError(
                DECODING_FAILURE,
                "cannot decode the network configuration",
                f"it is larger than {_MAX_STDIN} bytes",
            )
        config = _config(data)
        asked = config.get("cniVersion")
        if isinstance(asked, str) and asked in versions:
            version = asked
        request = _request(command, environ, config, versions, stderr)
        handler = {"ADD": add, "DEL": delete, "CHECK": check, "STATUS": status, "GC": gc}[command]
        result = None if handler is None else handler(request)
        if command == "ADD":
            output = pass_through(request) if result is None else result
            stdout.write(json.dumps(output, indent=2) + "\n")
    except Exception as error:  # every failure becomes the error JSON, never a traceback
        stdout.write(json.dumps(error_for(error).to_json(version), indent=2) + "\n")
        return 1
    return 0
