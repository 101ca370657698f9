"""The ctypes declarations against the header: every function of the header is declared, with
argument and result types matching its C prototype; struct layouts match what the C compiler
makes of the header; the library's version is the one the binding expects."""

import ctypes
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from webpubsub_client import _native, library_version

HEADER = Path(__file__).resolve().parents[3] / "include" / "webpubsub_client.h"

# C type (as spelled in the header) -> the ctypes type a correct declaration uses.
C_TYPES = {
    "void": None,
    "bool": ctypes.c_bool,
    "uint16_t": ctypes.c_uint16,
    "uint32_t": ctypes.c_uint32,
    "int64_t": ctypes.c_int64,
    "uint64_t": ctypes.c_uint64,
    "size_t": ctypes.c_size_t,
    "void *": ctypes.c_void_p,
    "const char *": ctypes.c_char_p,
    "const uint8_t *": _native.ByteBuffer,
    "uint64_t *": ctypes.POINTER(ctypes.c_uint64),
    "wps_state *": ctypes.POINTER(ctypes.c_uint32),
    "wps_log_fn": _native.LOG_FN,
    "wps_free_fn": _native.FREE_FN,
    "wps_credential_fn": _native.CREDENTIAL_FN,
    "wps_completion_fn": _native.COMPLETION_FN,
    "wps_event_fn": _native.EVENT_FN,
}
for typedef in ("wps_result", "wps_protocol", "wps_retry_mode", "wps_dispatcher", "wps_data_type"):
    C_TYPES[typedef] = ctypes.c_uint32
for struct in ("wps_client", "wps_options", "wps_error", "wps_url_out", "wps_op_result"):
    pointer = ctypes.POINTER(getattr(_native, struct))
    C_TYPES[f"struct {struct} *"] = pointer
    C_TYPES[f"const struct {struct} *"] = pointer
    C_TYPES[f"struct {struct} **"] = ctypes.POINTER(pointer)


def header_prototypes():
    text = re.sub(r"//[^\n]*", "", HEADER.read_text())
    prototypes = {}
    for match in re.finditer(r"\n([A-Za-z_][\w \*]*?)\b(wps_\w+)\(([^;{]*?)\);", text):
        result, name, params = match.groups()
        params = " ".join(params.split())
        args = [] if params == "void" else [re.sub(r"\s*\b\w+$", "", p.strip()) for p in params.split(",")]
        prototypes[name] = (" ".join(result.split()), [" ".join(a.replace("*", " *").split()).replace("* *", "**") for a in args])
    return prototypes


def test_every_header_function_is_declared_with_matching_types():
    prototypes = header_prototypes()
    assert len(prototypes) > 50
    assert set(prototypes) == set(_native.SIGNATURES)
    lib = _native.load()
    for name, (result, args) in prototypes.items():
        function = getattr(lib, name)
        assert function.argtypes is not None, name
        assert function.restype is C_TYPES[result], f"{name}: result {result}"
        assert list(function.argtypes) == [C_TYPES[a] for a in args], f"{name}: {args}"


def test_constants_match_the_header():
    defines = dict(re.findall(r"#define (WPS_\w+) (\(?[0-9][^\n]*)", HEADER.read_text()))
    not_needed = {"WPS_VERSION_MAJOR", "WPS_VERSION_MINOR", "WPS_VERSION_PATCH", "WPS_VERSION_NUMBER"}
    assert len(defines) > 50
    for name, value in defines.items():
        if name not in not_needed:
            assert getattr(_native, name[len("WPS_"):]) == eval(value), name  # simple integer expressions


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_struct_layouts_match_the_c_compiler(tmp_path):
    structs = {"wps_str": _native.wps_str, "wps_op_result": _native.wps_op_result, "wps_event": _native.wps_event}
    lines = []
    for name, cls in structs.items():
        lines.append(f'printf("{name} size %zu align %zu\\n", sizeof({name}), _Alignof({name}));')
        for field, _ in cls._fields_:
            lines.append(f'printf("{name}.{field} %zu\\n", offsetof({name}, {field}));')
    source = tmp_path / "layout.c"
    source.write_text(
        "#include <stdio.h>\n#include <stddef.h>\n#include \"webpubsub_client.h\"\nint main(void) {\n"
        + "\n".join(lines)
        + "\nreturn 0;\n}\n"
    )
    binary = tmp_path / "layout"
    subprocess.run(["cc", "-std=c11", "-I", str(HEADER.parent), str(source), "-o", str(binary)], check=True)
    expected = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout.splitlines()
    actual = []
    for name, cls in structs.items():
        actual.append(f"{name} size {ctypes.sizeof(cls)} align {ctypes.alignment(cls)}")
        actual += [f"{name}.{field} {getattr(cls, field).offset}" for field, _ in cls._fields_]
    assert actual == expected


def test_library_version_matches_the_binding():
    version = library_version()
    assert _native.parse_version(version)[:2] == _native.EXPECTED_VERSION
    header_version = re.search(r'#define WPS_VERSION "([^"]+)"', HEADER.read_text()).group(1)
    assert version == header_version


def test_a_wrong_library_is_refused(tmp_path, monkeypatch):
    real_path = _native.load().path
    monkeypatch.setattr(_native, "_lib", None)  # restored after the test
    monkeypatch.setenv(_native.LIBRARY_ENV, str(tmp_path / "missing.so"))
    with pytest.raises(_native.LibraryError, match="not found"):
        _native.load()
    monkeypatch.setenv(_native.LIBRARY_ENV, real_path)
    monkeypatch.setattr(_native, "EXPECTED_VERSION", (9, 9))
    with pytest.raises(_native.LibraryError, match="needs 9.9"):
        _native.load()
