"""Take network access away from the current process, for good (Linux seccomp).

The Helm engine is meant to render offline, but a chart decides what it
loads: Helm fetches a ``$ref`` of a chart's values.schema.json over HTTP, to
any host, loopback included, where no proxy setting reaches. The worker that
renders charts therefore installs this filter before the Go library loads:
creating an IPv4 or IPv6 socket then fails with EACCES, in every thread Go
starts afterwards. Pipes to patcher are already open and unaffected.

Written by hand (a dozen BPF instructions through ctypes) because the
libseccomp bindings are not on PyPI.
"""

from __future__ import annotations

import ctypes
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EACCES = 13
AF_INET, AF_INET6 = 2, 10

# machine -> (AUDIT_ARCH_*, the socket syscall's number)
ARCHITECTURES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198), "arm64": (0xC00000B7, 198)}

_LD_ABS_W, _JEQ_K, _RET_K = 0x20, 0x15, 0x06
_ARCH_OFFSET, _NR_OFFSET, _ARG0_OFFSET = 4, 0, 16  # struct seccomp_data (little-endian)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _program(arch: int, socket_nr: int) -> bytes:
    """Deny socket(AF_INET|AF_INET6, ...) on this architecture; allow everything else."""
    deny = SECCOMP_RET_ERRNO | EACCES
    instructions = [
        (_LD_ABS_W, 0, 0, _ARCH_OFFSET),
        (_JEQ_K, 0, 5, arch),          # another ABI: allow (jump to the last-but-one)
        (_LD_ABS_W, 0, 0, _NR_OFFSET),
        (_JEQ_K, 0, 3, socket_nr),     # not socket(): allow
        (_LD_ABS_W, 0, 0, _ARG0_OFFSET),
        (_JEQ_K, 2, 0, AF_INET),       # deny
        (_JEQ_K, 1, 0, AF_INET6),      # deny
        (_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (_RET_K, 0, 0, deny),
    ]
    return b"".join(struct.pack("<HBBI", *i) for i in instructions)


def forbid_network() -> str:
    """Install the filter; return "" when it holds, else why it could not be installed."""
    known = ARCHITECTURES.get(platform.machine())
    if platform.system() != "Linux" or known is None:
        return f"no network filter for {platform.system()} {platform.machine()}"
    code = _program(*known)
    buffer = ctypes.create_string_buffer(code, len(code))
    program = _SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
                libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
            return f"the network filter was refused (errno {ctypes.get_errno()})"
    except (OSError, AttributeError) as exc:
        return f"the network filter could not be installed ({exc})"
    return ""
