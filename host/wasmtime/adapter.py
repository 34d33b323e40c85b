#!/usr/bin/env python3
"""Wasmtime as a host for wasip3-task-shim: run one export of a component.

Spawned by host/wasmtime/run.ts with the project's virtual environment
(.venv-wasmtime/, made by scripts/install-wasmtime.sh), which holds the
`wasmtime` Python package. Only its ctypes declarations of libwasmtime's C API
(`wasmtime._bindings`) are used: the package's Python API has no switch for
the component-model async features, and the async entry points are what a
WASIp3 component needs.

Protocol: one JSON request on stdin,

    {"component": "<path>", "export": "<name or iface#name>", "args": [...],
     "imports": [...], "bench": {"samples": S, "iterations": N}, "cache_dir": "<dir>"}
                                 (imports, bench and cache_dir are optional)

"imports" is an import spec resolved by host/cli/import-spec.ts: a list of
{"key", "instance" (null for a root function), "name", "behaviour"}, where a
behaviour is {"result": V}, {"echo": i} or {"trap": "text"}. Each entry is
defined in the component linker as a host function (the instance with
wasmtime_component_linker_instance_add_instance, the function with
wasmtime_component_linker_instance_add_func): it returns V lowered by the
function's result type, or a copy of argument i, or fails with the text; every
call is recorded, and the report carries them as "calls": [[key, [args]], ...].

and one JSON report, as a single line, on fd 3 (stdout when fd 3 is not
open): {"result": [...]} (the export's results as a list: none or one value),
{"trap": {"message": "..."}} or {"error": "...", "code": "..."}; plus "ms"
(the call alone) and, with bench, "bench": {"ns_per_call": [...]}, one figure
per sample of N calls timed back to back inside this process, by a C loop
(bench_loop.c, compiled into cache_dir on first use) or, without a C
compiler, a Python one ("loop" says which).

WASI p2 is linked (the async bindings), with stdout and stderr inherited: the
guest's output goes to this process's fd 1 and 2.

Values, in the JSON form jco's bindings use: bool, numbers for integers and
floats (s64/u64 as {"bigint": "<decimal>"}, as jco's BigInt reads; a
number is accepted as an argument), a one-character
string for char, strings, arrays for lists and tuples, objects with
lowerCamelCase keys for records and flags ({"name": true, "other": false}: every flag), {"tag", "val"}
for variants and results (tag "ok"/"err"), the case name for enums, null or
the value for options. Resources, streams, futures and error-contexts cannot
cross the C API as values: a function that takes or returns one is reported
as an error.
"""
import ctypes
import json
import math
import os
import re
import sys
import time

EXIT_RESULT, EXIT_TRAP, EXIT_ERROR = 0, 1, 3


def report(obj):
    line = (json.dumps(obj) + "\n").encode("utf-8")
    try:
        os.write(3, line)
    except OSError:
        sys.stdout.write(line.decode("utf-8"))
        sys.stdout.flush()


class AdapterError(Exception):
    """The adapter cannot do its job (bad request, unknown export, unsupported type)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class GuestTrap(Exception):
    """Wasmtime reported an error while running guest code."""


try:
    from wasmtime import _bindings as B  # noqa: N812
except Exception as e:  # pragma: no cover - exercised by the not-installed test
    report({"error": "the wasmtime Python package is not importable: %s" % e, "code": "not-installed"})
    sys.exit(EXIT_ERROR)

# Declared by the C API header (wasmtime/component/linker.h) but not by the
# package's bindings: WASI p2 on the async linker.
_add_wasip2_async = B.dll.wasmtime_component_linker_add_wasip2_async
_add_wasip2_async.restype = ctypes.POINTER(B.wasmtime_error_t)
_add_wasip2_async.argtypes = [ctypes.POINTER(B.wasmtime_component_linker_t)]

# Value kinds (wasmtime/component/val.h) and type kinds (types/val.h).
V = dict(BOOL=0, S8=1, U8=2, S16=3, U16=4, S32=5, U32=6, S64=7, U64=8, F32=9, F64=10, CHAR=11,
         STRING=12, LIST=13, RECORD=14, TUPLE=15, VARIANT=16, ENUM=17, OPTION=18, RESULT=19,
         FLAGS=20, RESOURCE=21, MAP=22)
T = dict(BOOL=0, S8=1, S16=2, S32=3, S64=4, U8=5, U16=6, U32=7, U64=8, F32=9, F64=10, CHAR=11,
         STRING=12, LIST=13, RECORD=14, TUPLE=15, VARIANT=16, ENUM=17, OPTION=18, RESULT=19,
         FLAGS=20, OWN=21, BORROW=22, FUTURE=23, STREAM=24, ERROR_CONTEXT=25, MAP=26)
T_NAME = {v: k.lower().replace("_", "-") for k, v in T.items()}

# type kind -> (value kind, union field, (min, max)) for the scalars.
INTS = {
    T["S8"]: (V["S8"], "s8", -(1 << 7), (1 << 7) - 1),
    T["U8"]: (V["U8"], "u8", 0, (1 << 8) - 1),
    T["S16"]: (V["S16"], "s16", -(1 << 15), (1 << 15) - 1),
    T["U16"]: (V["U16"], "u16", 0, (1 << 16) - 1),
    T["S32"]: (V["S32"], "s32", -(1 << 31), (1 << 31) - 1),
    T["U32"]: (V["U32"], "u32", 0, (1 << 32) - 1),
    T["S64"]: (V["S64"], "s64", -(1 << 63), (1 << 63) - 1),
    T["U64"]: (V["U64"], "u64", 0, (1 << 64) - 1),
}
VAL_INT_FIELD = {V["S8"]: "s8", V["U8"]: "u8", V["S16"]: "s16", V["U16"]: "u16", V["S32"]: "s32",
                 V["U32"]: "u32", V["S64"]: "s64", V["U64"]: "u64"}


def camel(name):
    """jco's JS name for a WIT name: kebab-case to lowerCamelCase."""
    return re.sub(r"-([a-z0-9])", lambda m: m.group(1).upper(), name)


def take_error(err):
    """The message of a wasmtime_error_t, which is deleted."""
    msg = B.wasm_name_t()
    B.wasmtime_error_message(err, ctypes.byref(msg))
    text = ctypes.string_at(msg.data, msg.size).decode("utf-8", "replace")
    B.wasm_byte_vec_delete(ctypes.byref(msg))
    B.wasmtime_error_delete(err)
    return text


def check(err, what):
    if err:
        raise AdapterError("wasmtime-error", "%s: %s" % (what, take_error(err)))


def drive(future):
    """Poll a wasmtime_call_future_t until it completes, then delete it."""
    try:
        while not B.wasmtime_call_future_poll(future):
            pass
    finally:
        B.wasmtime_call_future_delete(future)


def make_name(text):
    raw = text.encode("utf-8")
    out = B.wasm_name_t()
    buf = (B.wasm_byte_t * max(len(raw), 1)).from_buffer_copy(raw or b"\0")
    B.wasm_byte_vec_new(ctypes.byref(out), len(raw), buf)
    return out


def read_name(name):
    return ctypes.string_at(name.data, name.size).decode("utf-8", "replace")


def read_cstr(ptr, length):
    return ctypes.string_at(ptr, length.value).decode("utf-8")


# --- types -----------------------------------------------------------------

class Ty:
    """A component value type read from libwasmtime into plain Python."""

    def __init__(self, kind, **kw):
        self.kind = kind
        self.__dict__.update(kw)

    def describe(self):
        k = T_NAME.get(self.kind, str(self.kind))
        if self.kind == T["LIST"]:
            return "list<%s>" % self.element.describe()
        if self.kind == T["OPTION"]:
            return "option<%s>" % self.inner.describe()
        if self.kind == T["TUPLE"]:
            return "tuple<%s>" % ", ".join(t.describe() for t in self.types)
        if self.kind == T["RESULT"]:
            return "result<%s, %s>" % (self.ok.describe() if self.ok else "_", self.err.describe() if self.err else "_")
        return k


def read_type(vt):
    """Copy a wasmtime_component_valtype_t into a Ty and delete the C value."""
    try:
        k = vt.kind
        if k == T["LIST"]:
            el = B.wasmtime_component_valtype_t()
            B.wasmtime_component_list_type_element(vt.of.list, ctypes.byref(el))
            return Ty(k, element=read_type(el))
        if k == T["RECORD"]:
            fields = []
            for i in range(B.wasmtime_component_record_type_field_count(vt.of.record)):
                p, n, ft = ctypes.POINTER(ctypes.c_char)(), ctypes.c_size_t(), B.wasmtime_component_valtype_t()
                B.wasmtime_component_record_type_field_nth(vt.of.record, i, ctypes.byref(p), ctypes.byref(n), ctypes.byref(ft))
                fields.append((read_cstr(p, n), read_type(ft)))
            return Ty(k, fields=fields)
        if k == T["TUPLE"]:
            types = []
            for i in range(B.wasmtime_component_tuple_type_types_count(vt.of.tuple)):
                ft = B.wasmtime_component_valtype_t()
                B.wasmtime_component_tuple_type_types_nth(vt.of.tuple, i, ctypes.byref(ft))
                types.append(read_type(ft))
            return Ty(k, types=types)
        if k == T["VARIANT"]:
            cases = []
            for i in range(B.wasmtime_component_variant_type_case_count(vt.of.variant)):
                p, n = ctypes.POINTER(ctypes.c_char)(), ctypes.c_size_t()
                has, ft = ctypes.c_bool(), B.wasmtime_component_valtype_t()
                B.wasmtime_component_variant_type_case_nth(vt.of.variant, i, ctypes.byref(p), ctypes.byref(n), ctypes.byref(has), ctypes.byref(ft))
                cases.append((read_cstr(p, n), read_type(ft) if has.value else None))
            return Ty(k, cases=cases)
        if k in (T["ENUM"], T["FLAGS"]):
            names = []
            count = (B.wasmtime_component_enum_type_names_count(vt.of.enum_) if k == T["ENUM"]
                     else B.wasmtime_component_flags_type_names_count(vt.of.flags))
            for i in range(count):
                p, n = ctypes.POINTER(ctypes.c_char)(), ctypes.c_size_t()
                if k == T["ENUM"]:
                    B.wasmtime_component_enum_type_names_nth(vt.of.enum_, i, ctypes.byref(p), ctypes.byref(n))
                else:
                    B.wasmtime_component_flags_type_names_nth(vt.of.flags, i, ctypes.byref(p), ctypes.byref(n))
                names.append(read_cstr(p, n))
            return Ty(k, names=names)
        if k == T["OPTION"]:
            ft = B.wasmtime_component_valtype_t()
            B.wasmtime_component_option_type_ty(vt.of.option, ctypes.byref(ft))
            return Ty(k, inner=read_type(ft))
        if k == T["RESULT"]:
            ok, err = B.wasmtime_component_valtype_t(), B.wasmtime_component_valtype_t()
            has_ok = B.wasmtime_component_result_type_ok(vt.of.result, ctypes.byref(ok))
            has_err = B.wasmtime_component_result_type_err(vt.of.result, ctypes.byref(err))
            return Ty(k, ok=read_type(ok) if has_ok else None, err=read_type(err) if has_err else None)
        return Ty(k)
    finally:
        B.wasmtime_component_valtype_delete(ctypes.byref(vt))


# --- JSON -> values --------------------------------------------------------

def bad(path, ty, msg):
    raise AdapterError("bad-args", "%s (%s): %s" % (path, ty.describe(), msg))


def to_int(path, ty, x):
    if isinstance(x, dict) and set(x) == {"bigint"} and isinstance(x["bigint"], str):
        try:
            x = int(x["bigint"], 10)
        except ValueError:
            bad(path, ty, "bigint is not a decimal integer")
    if isinstance(x, bool) or not isinstance(x, (int, float)) or (isinstance(x, float) and not x.is_integer()):
        bad(path, ty, "expected an integer, got %s" % json.dumps(x))
    return int(x)


def lower(path, ty, x, out):
    """Fill the wasmtime_component_val_t `out` with JSON value x of type ty."""
    k = ty.kind
    if k == T["BOOL"]:
        if not isinstance(x, bool):
            bad(path, ty, "expected true or false")
        out.kind, out.of.boolean = V["BOOL"], x
    elif k in INTS:
        vk, field, lo, hi = INTS[k]
        n = to_int(path, ty, x)
        if n < lo or n > hi:
            bad(path, ty, "%d is out of range %d..%d" % (n, lo, hi))
        out.kind = vk
        setattr(out.of, field, n)
    elif k in (T["F32"], T["F64"]):
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            bad(path, ty, "expected a number")
        if k == T["F32"]:
            out.kind, out.of.f32 = V["F32"], float(x)
        else:
            out.kind, out.of.f64 = V["F64"], float(x)
    elif k == T["CHAR"]:
        if not isinstance(x, str) or len(x) != 1 or 0xD800 <= ord(x) <= 0xDFFF:
            bad(path, ty, "expected a string of one Unicode scalar value")
        out.kind, out.of.character = V["CHAR"], ord(x)
    elif k == T["STRING"]:
        if not isinstance(x, str):
            bad(path, ty, "expected a string")
        out.kind, out.of.string = V["STRING"], make_name(x)
    elif k == T["LIST"]:
        if not isinstance(x, list):
            bad(path, ty, "expected an array")
        arr = lower_all(["%s[%d]" % (path, i) for i in range(len(x))], [ty.element] * len(x), x)
        out.kind = V["LIST"]
        B.wasmtime_component_vallist_new(ctypes.byref(out.of.list), len(x), arr)
    elif k == T["TUPLE"]:
        if not isinstance(x, list) or len(x) != len(ty.types):
            bad(path, ty, "expected an array of %d values" % len(ty.types))
        arr = lower_all(["%s[%d]" % (path, i) for i in range(len(x))], ty.types, x)
        out.kind = V["TUPLE"]
        B.wasmtime_component_valtuple_new(ctypes.byref(out.of.tuple), len(x), arr)
    elif k == T["RECORD"]:
        if not isinstance(x, dict):
            bad(path, ty, "expected an object with fields %s" % ", ".join(camel(n) for n, _ in ty.fields))
        known = {camel(n) for n, _ in ty.fields} | {n for n, _ in ty.fields}
        extra = [key for key in x if key not in known]
        if extra:
            bad(path, ty, "unknown field %s" % extra[0])
        entries = (B.wasmtime_component_valrecord_entry_t * max(len(ty.fields), 1))()
        for i, (name, fty) in enumerate(ty.fields):
            key = camel(name) if camel(name) in x else name
            if key not in x:
                bad(path, ty, "missing field %s" % camel(name))
            entries[i].name = make_name(name)
            lower("%s.%s" % (path, key), fty, x[key], entries[i].val)
        out.kind = V["RECORD"]
        B.wasmtime_component_valrecord_new(ctypes.byref(out.of.record), len(ty.fields), entries)
    elif k == T["VARIANT"]:
        if not isinstance(x, dict) or "tag" not in x:
            bad(path, ty, "expected {\"tag\": <case>, \"val\": <payload>}")
        case = next(((n, t) for n, t in ty.cases if x["tag"] in (n, camel(n))), None)
        if case is None:
            bad(path, ty, "unknown case %s (cases: %s)" % (json.dumps(x["tag"]), ", ".join(n for n, _ in ty.cases)))
        out.kind = V["VARIANT"]
        out.of.variant.discriminant = make_name(case[0])
        out.of.variant.val = lower_boxed("%s.val" % path, case[1], x.get("val"), "val" in x)
    elif k == T["ENUM"]:
        name = next((n for n in ty.names if x in (n, camel(n))), None) if isinstance(x, str) else None
        if name is None:
            bad(path, ty, "expected one of %s" % ", ".join(ty.names))
        out.kind, out.of.enumeration = V["ENUM"], make_name(name)
    elif k == T["OPTION"]:
        out.kind = V["OPTION"]
        out.of.option = None if x is None else lower_boxed(path + "?", ty.inner, x, True)
    elif k == T["RESULT"]:
        if not isinstance(x, dict) or x.get("tag") not in ("ok", "err"):
            bad(path, ty, "expected {\"tag\": \"ok\"|\"err\", \"val\": <payload>}")
        is_ok = x["tag"] == "ok"
        out.kind = V["RESULT"]
        out.of.result.is_ok = is_ok
        out.of.result.val = lower_boxed("%s.val" % path, ty.ok if is_ok else ty.err, x.get("val"), "val" in x)
    elif k == T["FLAGS"]:
        if not isinstance(x, dict):
            bad(path, ty, "expected an object {flag: true|false}")
        keys = {camel(n): n for n in ty.names}
        keys.update({n: n for n in ty.names})
        on = []
        for key, v in x.items():
            if key not in keys or not isinstance(v, bool):
                bad(path, ty, "unknown flag or non-boolean value: %s" % key)
            if v:
                on.append(keys[key])
        names = (B.wasm_name_t * max(len(on), 1))()
        for i, n in enumerate(on):
            names[i] = make_name(n)
        out.kind = V["FLAGS"]
        B.wasmtime_component_valflags_new(ctypes.byref(out.of.flags), len(on), names)
    else:
        raise AdapterError("unsupported-type", "%s: values of type %s cannot be passed through Wasmtime's C API" % (path, ty.describe()))


def lower_all(paths, types, xs):
    arr = (B.wasmtime_component_val_t * max(len(xs), 1))()
    for i, (p, t, x) in enumerate(zip(paths, types, xs)):
        lower(p, t, x, arr[i])
    return arr


def lower_boxed(path, ty, x, present):
    """A heap value (wasmtime_component_val_new) for a payload, or NULL."""
    if ty is None:
        if present and x is not None:
            bad(path, Ty(-1), "this case has no payload")
        return None
    if not present:
        raise AdapterError("bad-args", "%s: a payload of type %s is required" % (path, ty.describe()))
    tmp = B.wasmtime_component_val_t()
    lower(path, ty, x, tmp)
    return B.wasmtime_component_val_new(ctypes.byref(tmp))


# --- values -> JSON --------------------------------------------------------

def lift(v, ty=None):
    """A wasmtime_component_val_t as JSON; `ty` (when known) names every flag, set or not, as jco does."""
    k = v.kind
    if k == V["BOOL"]:
        return bool(v.of.boolean)
    if k in VAL_INT_FIELD:
        n = int(getattr(v.of, VAL_INT_FIELD[k]))
        if k in (V["S64"], V["U64"]):
            return {"bigint": str(n)}  # jco gives a BigInt for every 64-bit integer
        return n
    if k in (V["F32"], V["F64"]):
        x = float(v.of.f32 if k == V["F32"] else v.of.f64)
        return x if math.isfinite(x) else None  # JSON has no NaN or infinities (jco's runner prints null too)
    if k == V["CHAR"]:
        return chr(v.of.character)
    if k == V["STRING"]:
        return read_name(v.of.string)
    if k == V["LIST"]:
        el = ty.element if ty is not None and ty.kind == T["LIST"] else None
        return [lift(v.of.list.data[i], el) for i in range(v.of.list.size)]
    if k == V["TUPLE"]:
        types = ty.types if ty is not None and ty.kind == T["TUPLE"] else []
        return [lift(v.of.tuple.data[i], types[i] if i < len(types) else None) for i in range(v.of.tuple.size)]
    if k == V["RECORD"]:
        rec = v.of.record
        ftypes = dict(ty.fields) if ty is not None and ty.kind == T["RECORD"] else {}
        out = {}
        for i in range(rec.size):
            name = read_name(rec.data[i].name)
            out[camel(name)] = lift(rec.data[i].val, ftypes.get(name))
        return out
    if k == V["VARIANT"]:
        tag = read_name(v.of.variant.discriminant)
        out = {"tag": tag}
        if v.of.variant.val:
            cases = dict(ty.cases) if ty is not None and ty.kind == T["VARIANT"] else {}
            out["val"] = lift(v.of.variant.val[0], cases.get(tag))
        return out
    if k == V["ENUM"]:
        return read_name(v.of.enumeration)
    if k == V["OPTION"]:
        inner = ty.inner if ty is not None and ty.kind == T["OPTION"] else None
        return lift(v.of.option[0], inner) if v.of.option else None
    if k == V["RESULT"]:
        is_ok = bool(v.of.result.is_ok)
        out = {"tag": "ok" if is_ok else "err"}
        if v.of.result.val:
            sub = (ty.ok if is_ok else ty.err) if ty is not None and ty.kind == T["RESULT"] else None
            out["val"] = lift(v.of.result.val[0], sub)
        return out
    if k == V["FLAGS"]:
        fl = v.of.flags
        on = {read_name(fl.data[i]) for i in range(fl.size)}
        names = ty.names if ty is not None and ty.kind == T["FLAGS"] else sorted(on)
        return {camel(n): n in on for n in names}
    if k == V["MAP"]:
        m = v.of.map
        return [[lift(m.data[i].key), lift(m.data[i].value)] for i in range(m.size)]
    raise AdapterError("unsupported-type", "a result of value kind %d (a resource) cannot be shown as JSON" % k)


def supported(ty):
    if ty is None:
        return True
    if ty.kind in (T["OWN"], T["BORROW"], T["FUTURE"], T["STREAM"], T["ERROR_CONTEXT"], T["MAP"]):
        return False
    subs = []
    if ty.kind == T["LIST"]:
        subs = [ty.element]
    elif ty.kind == T["OPTION"]:
        subs = [ty.inner]
    elif ty.kind == T["TUPLE"]:
        subs = ty.types
    elif ty.kind == T["RECORD"]:
        subs = [t for _, t in ty.fields]
    elif ty.kind == T["VARIANT"]:
        subs = [t for _, t in ty.cases]
    elif ty.kind == T["RESULT"]:
        subs = [ty.ok, ty.err]
    return all(supported(t) for t in subs)


# --- the run ---------------------------------------------------------------

def read_functype(fty):
    """A borrowed wasmtime_component_func_type_t as ([(name, Ty)], Ty or None, async)."""
    params = []
    for i in range(B.wasmtime_component_func_type_param_count(fty)):
        p, n, vt = ctypes.POINTER(ctypes.c_char)(), ctypes.c_size_t(), B.wasmtime_component_valtype_t()
        B.wasmtime_component_func_type_param_nth(fty, i, ctypes.byref(p), ctypes.byref(n), ctypes.byref(vt))
        params.append((read_cstr(p, n), read_type(vt)))
    rt = B.wasmtime_component_valtype_t()
    result = read_type(rt) if B.wasmtime_component_func_type_result(fty, ctypes.byref(rt)) else None
    return params, result, bool(B.wasmtime_component_func_type_async(fty))


def make_error(text):
    raw = text.encode("utf-8") + b"\0"
    return B.wasmtime_error_new(ctypes.create_string_buffer(raw))


class SpecImports:
    """The host functions of an import spec, and the log of their calls."""

    def __init__(self, entries):
        if not isinstance(entries, list):
            raise AdapterError("bad-request", "imports is a list of resolved import-spec entries")
        self.entries = entries
        self.calls = []
        # The ctypes callback objects must outlive the linker.
        self.keep = []

    def callback(self, entry):
        behaviour = entry.get("behaviour") or {}

        def impl(_data, _context, fty, args, nargs, results, nresults):
            try:
                params, result_ty, _ = read_functype(fty)
                vals = [lift(args[i], params[i][1] if i < len(params) else None) for i in range(nargs)]
                self.calls.append([entry["key"], vals])
                if "trap" in behaviour:
                    return ctypes.cast(make_error(str(behaviour["trap"])), ctypes.c_void_p).value or 0
                if "echo" in behaviour:
                    value = vals[int(behaviour["echo"])]
                else:
                    value = behaviour.get("result")
                if nresults:
                    lower("%s result" % entry["key"], result_ty, value, results[0])
                return 0
            except Exception as e:  # a bad spec value: the call fails with the reason
                return ctypes.cast(make_error("import spec %s: %s" % (entry.get("key"), e)), ctypes.c_void_p).value or 0

        cb = B.wasmtime_component_func_callback_t(impl)
        self.keep.append(cb)
        return cb

    def define(self, linker):
        no_finalizer = ctypes.cast(None, ctypes.CFUNCTYPE(None, ctypes.c_void_p))
        by_instance = {}
        for e in self.entries:
            by_instance.setdefault(e.get("instance"), []).append(e)
        root = B.wasmtime_component_linker_root(linker)
        try:
            for inst, entries in by_instance.items():
                target = root
                if inst is not None:
                    raw = inst.encode("utf-8")
                    target = ctypes.POINTER(B.wasmtime_component_linker_instance_t)()
                    check(B.wasmtime_component_linker_instance_add_instance(root, raw, len(raw), ctypes.byref(target)), "defining import instance %s" % inst)
                try:
                    for e in entries:
                        raw = e["name"].encode("utf-8")
                        check(B.wasmtime_component_linker_instance_add_func(target, raw, len(raw), self.callback(e), None, no_finalizer),
                              "defining import %s" % e["key"])
                finally:
                    if inst is not None:
                        B.wasmtime_component_linker_instance_delete(target)
        finally:
            B.wasmtime_component_linker_instance_delete(root)


class Host:
    def __init__(self, component_bytes, imports=None):
        config = B.wasm_config_new()
        B.wasmtime_config_wasm_component_model_set(config, True)
        # Both are needed: the async ABI without concurrency support panics
        # when the engine is created.
        B.wasmtime_config_concurrency_support_set(config, True)
        B.wasmtime_config_wasm_component_model_async_set(config, True)
        # Stackful async lifts (an `async` export without a callback).
        B.wasmtime_config_wasm_component_model_async_stackful_set(config, True)
        self.engine = B.wasm_engine_new_with_config(config)  # takes the config
        self.store = B.wasmtime_store_new(self.engine, None, ctypes.cast(None, ctypes.CFUNCTYPE(None, ctypes.c_void_p)))
        self.ctx = B.wasmtime_store_context(self.store)
        wasi = B.wasi_config_new()
        B.wasi_config_inherit_stdout(wasi)
        B.wasi_config_inherit_stderr(wasi)
        check(B.wasmtime_context_set_wasi(self.ctx, wasi), "WASI")  # takes the config
        buf = (ctypes.c_uint8 * len(component_bytes)).from_buffer_copy(component_bytes)
        self.component = ctypes.POINTER(B.wasmtime_component_t)()
        err = B.wasmtime_component_new(self.engine, buf, len(component_bytes), ctypes.byref(self.component))
        if err:
            raise AdapterError("compile", "Wasmtime cannot compile the component: %s" % take_error(err))
        self.linker = B.wasmtime_component_linker_new(self.engine)
        check(_add_wasip2_async(self.linker), "linking WASI p2")
        if imports is not None:
            imports.define(self.linker)
        self.instance = B.wasmtime_component_instance_t()
        err = ctypes.POINTER(B.wasmtime_error_t)()
        drive(B.wasmtime_component_linker_instantiate_async(self.linker, self.ctx, self.component, ctypes.byref(self.instance), ctypes.byref(err)))
        if err:
            raise AdapterError("instantiate", "Wasmtime cannot instantiate the component: %s" % take_error(err))

    def export_index(self, parent, name):
        raw = name.encode("utf-8")
        return B.wasmtime_component_instance_get_export_index(ctypes.byref(self.instance), self.ctx, parent, raw, len(raw)) or None

    def func(self, name):
        """The export `name`, or `iface#name` for a function in an exported instance."""
        path = name.rsplit("#", 1) if "#" in name else [name]
        parent = None
        held = []
        try:
            for part in path:
                idx = self.export_index(parent, part)
                if idx is None:
                    where = "" if parent is None else " in %s" % path[0]
                    raise AdapterError("no-such-export", "the component has no export '%s'%s" % (part, where))
                held.append(idx)
                parent = idx
            f = B.wasmtime_component_func_t()
            if not B.wasmtime_component_instance_get_func(ctypes.byref(self.instance), self.ctx, parent, ctypes.byref(f)):
                raise AdapterError("no-such-export", "the export '%s' is not a function" % name)
            return f
        finally:
            for idx in held:
                B.wasmtime_component_export_index_delete(idx)

    def signature(self, f):
        fty = B.wasmtime_component_func_type(ctypes.byref(f), self.ctx)
        try:
            return read_functype(fty)
        finally:
            B.wasmtime_component_func_type_delete(fty)

    def call(self, f, args, nargs, nresults, result_ty=None):
        results = (B.wasmtime_component_val_t * max(nresults, 1))()
        err = ctypes.POINTER(B.wasmtime_error_t)()
        drive(B.wasmtime_component_func_call_async(ctypes.byref(f), self.ctx, args, nargs, results, nresults, ctypes.byref(err)))
        if err:
            raise GuestTrap(take_error(err))
        try:
            return [lift(results[i], result_ty) for i in range(nresults)]
        finally:
            for i in range(nresults):
                B.wasmtime_component_val_delete(ctypes.byref(results[i]))


def c_loop(cache_dir):
    """The C timing loop (bench_loop.c), compiled once into cache_dir (the virtual environment); None without a C compiler."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_loop.c")
    try:
        with open(src, "rb") as fh:
            code = fh.read()
    except OSError:
        return None, "bench_loop.c is missing"
    import hashlib
    import shutil
    import subprocess
    lib = os.path.join(cache_dir, "wasip3-bench-loop-%s.so" % hashlib.sha256(code).hexdigest()[:16])
    if not os.path.exists(lib):
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if not cc:
            return None, "no C compiler (cc, gcc or clang)"
        tmp = "%s.%d.tmp" % (lib, os.getpid())
        try:
            done = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", tmp, src], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as e:
            return None, "%s failed: %s" % (cc, e)
        if done.returncode != 0:
            return None, "%s failed: %s" % (cc, done.stderr.strip()[:300])
        os.replace(tmp, lib)
    fn = ctypes.CDLL(lib).wasip3_bench_loop
    fn.restype = ctypes.c_int64
    vp, size = ctypes.c_void_p, ctypes.c_size_t
    # call_async, poll, delete_future, val_delete, func, context, args, nargs, results, nresults, val_size, n, error_out
    fn.argtypes = [vp, vp, vp, vp, vp, vp, vp, size, vp, size, size, ctypes.c_int64, ctypes.POINTER(vp)]
    return fn, None


def time_calls(host, f, vals, nargs, nresults, samples, iterations, cache_dir):
    """`samples` x `iterations` back-to-back calls; ns per call for each sample."""
    loop, why = c_loop(cache_dir)
    figures = []
    if loop:
        addr = lambda name: ctypes.cast(getattr(B.dll, name), ctypes.c_void_p).value  # noqa: E731
        fns = [addr("wasmtime_component_func_call_async"), addr("wasmtime_call_future_poll"),
               addr("wasmtime_call_future_delete"), addr("wasmtime_component_val_delete")]
        results = (B.wasmtime_component_val_t * max(nresults, 1))()
        for _ in range(samples):
            err = ctypes.c_void_p()
            ns = loop(*fns, ctypes.addressof(f), ctypes.cast(host.ctx, ctypes.c_void_p), ctypes.addressof(vals), nargs,
                      ctypes.addressof(results), nresults, ctypes.sizeof(B.wasmtime_component_val_t), iterations, ctypes.byref(err))
            if ns < 0:
                raise GuestTrap(take_error(ctypes.cast(err, ctypes.POINTER(B.wasmtime_error_t))))
            figures.append(ns / iterations)
        return {"ns_per_call": figures, "iterations": iterations, "loop": "c"}
    for _ in range(samples):
        t0 = time.perf_counter_ns()
        for _ in range(iterations):
            host.call(f, vals, nargs, nresults)
        figures.append((time.perf_counter_ns() - t0) / iterations)
    return {"ns_per_call": figures, "iterations": iterations, "loop": "python", "why_not_c": why}


def package_version():
    try:
        from importlib.metadata import version
        return version("wasmtime")
    except Exception:
        return None


def short_trap(message):
    """The last line of Wasmtime's error chain (e.g. "wasm trap: wasm `unreachable` instruction executed")."""
    lines = [l.strip() for l in message.strip().splitlines() if l.strip()]
    return lines[-1] if lines else message


def run(req):
    component = req.get("component")
    export = req.get("export")
    args = req.get("args", [])
    if not isinstance(component, str) or not isinstance(export, str) or not isinstance(args, list):
        raise AdapterError("bad-request", "the request needs component (a path), export (a name) and args (an array)")
    try:
        with open(component, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise AdapterError("no-such-file", "%s: %s" % (component, e.strerror))
    spec = SpecImports(req["imports"]) if req.get("imports") is not None else None
    host = Host(data, spec)
    f = host.func(export)
    params, result_ty, is_async = host.signature(f)
    sig = {"params": [[n, t.describe()] for n, t in params], "result": result_ty.describe() if result_ty else None, "async": is_async}
    for name, t in params:
        if not supported(t):
            raise AdapterError("unsupported-type", "parameter %s has type %s, which Wasmtime's C API cannot take as a value" % (name, t.describe()))
    if not supported(result_ty):
        raise AdapterError("unsupported-type", "the result has type %s, which Wasmtime's C API cannot give as a value" % result_ty.describe())
    if len(args) != len(params):
        raise AdapterError("bad-args", "%s takes %d argument(s) (%s), got %d" % (
            export, len(params), ", ".join("%s: %s" % (n, t.describe()) for n, t in params), len(args)))
    vals = lower_all([n for n, _ in params], [t for _, t in params], args)
    nresults = 1 if result_ty else 0
    out = {"signature": sig, "wasmtime": package_version()}
    if spec is not None:
        out["calls"] = spec.calls
    try:
        t0 = time.perf_counter()
        try:
            out["result"] = host.call(f, vals, len(params), nresults, result_ty)
        except GuestTrap as t:
            out["ms"] = (time.perf_counter() - t0) * 1e3
            out["trap"] = {"message": short_trap(str(t)), "detail": str(t)}
            return out, EXIT_TRAP
        out["ms"] = (time.perf_counter() - t0) * 1e3
        bench = req.get("bench")
        if bench:
            out["bench"] = time_calls(host, f, vals, len(params), nresults, int(bench.get("samples", 10)), int(bench.get("iterations", 100)),
                                      req.get("cache_dir") or sys.prefix)
        return out, EXIT_RESULT
    finally:
        for i in range(len(params)):
            B.wasmtime_component_val_delete(ctypes.byref(vals[i]))


def main():
    try:
        req = json.loads(sys.stdin.read() or "null")
        if not isinstance(req, dict):
            raise AdapterError("bad-request", "the request is not a JSON object")
        out, code = run(req)
    except AdapterError as e:
        report({"error": str(e), "code": e.code})
        return EXIT_ERROR
    except GuestTrap as t:
        report({"trap": {"message": short_trap(str(t)), "detail": str(t)}})
        return EXIT_TRAP
    except ValueError as e:
        report({"error": "the request is not JSON: %s" % e, "code": "bad-request"})
        return EXIT_ERROR
    report(out)
    return code


if __name__ == "__main__":
    sys.stdout.flush()
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
