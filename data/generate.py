"""Extract per-release Tutor knowledge for data/tutor-knowledge.yml. Run by data/generate.sh.

    generate.py release VERSION OUT.json [PLUGIN=VERSION]...
        Run with the interpreter of a venv holding tutor==VERSION and the pinned plugins.
        Loads Tutor's Python API (no Docker, no project root), enables the plugins and
        writes what it knows of that release as JSON (sorted keys).

    generate.py combine OUT.yml EDX_PLATFORM_TARBALL RELEASE.json...
        Run with any of those venvs' interpreters (it needs PyYAML). Adds the feature
        names of edx-platform's lms/envs/common.py and cms/envs/common.py (read from the
        zstd tarball) and writes the one YAML file, sorted and byte-stable.

Everything is read from the installed packages: nothing here is a hand-typed value.
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# Tutor's settings templates of the LMS and CMS, as the rendered production.py includes
# them: the env YAML (read first by edx-platform) and the production settings module,
# whose `{% include %}`s and `{{ patch() }}`es are expanded in place.
APPS = {
    "lms": ("apps/openedx/config/lms.env.yml", "apps/openedx/settings/lms/production.py"),
    "cms": ("apps/openedx/config/cms.env.yml", "apps/openedx/settings/cms/production.py"),
}
ENV_TEMPLATES = ("lms.env.yml", "cms.env.yml")
# Patches whose content is part of the runtime settings or env YAML of the LMS/CMS. Patches
# named inside these (a plugin's own sub-patches, e.g. mfe-lms-common-settings) are
# expanded too, as Tutor renders them.
RUNTIME_PATCHES = re.compile(
    r"^(openedx-(common|lms-common|lms-production|cms-common|cms-production)-settings"
    r"|(common|lms|cms)-env-features)$"
)
# Build-time settings patches (assets, i18n): not on the runtime path, but scanned too,
# first (lowest precedence), for both apps.
BUILD_PATCHES = re.compile(r"^openedx-common-[a-z0-9]+-settings$")

INCLUDE = re.compile(r'^(\s*)\{%-?\s*include\s+"([^"]+)"\s*-?%\}\s*$')
PATCH = re.compile(
    r'^(\s*)\{\{-?\s*patch\(\s*"([^"]+)"\s*\)\s*(?:\|\s*indent\((\d+)\))?\s*-?\}\}\s*$'
)
TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:")
YAML_CHILD = re.compile(r"^  ([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$")
FEATURE_ITEM = re.compile(
    r"""^\s*FEATURES\s*\[\s*(["'])([A-Za-z_][A-Za-z0-9_]*)\1\s*\]\s*=(?!=)\s*(.*?)\s*$"""
)
BARE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*=(?!=)\s*(.*?)\s*$")
UPDATE_ENTRY = re.compile(r"""(["'])([A-Za-z_][A-Za-z0-9_]*)\1\s*:\s*([^,\n]+?)\s*(?:,|$)""")


# ---------------------------------------------------------------- release (in a venv)
def release(version: str, out: str, pins: list[str]) -> None:
    plugins = dict(p.split("=", 1) for p in pins)
    # Isolate Tutor from this machine: no TUTOR_* overrides, no user plugins or root.
    for key in list(os.environ):
        if key.startswith("TUTOR_"):
            del os.environ[key]
    scratch = tempfile.mkdtemp(prefix="envparity-generate-")
    atexit.register(shutil.rmtree, scratch, True)
    os.environ["TUTOR_ROOT"] = os.path.join(scratch, "root")
    os.environ["TUTOR_PLUGINS_ROOT"] = os.path.join(scratch, "plugins")
    os.makedirs(os.environ["TUTOR_PLUGINS_ROOT"])

    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    sys.path.insert(0, HERE)
    import pins as pinned  # data/pins.py: plugin name -> PyPI package

    from tutor import __about__, env, hooks, serialize
    from tutor import plugins as tutor_plugins

    def installed(dist: str) -> str | None:
        try:
            return dist_version(dist)
        except PackageNotFoundError:
            return None

    found = {"tutor": installed("tutor")}
    for name in plugins:
        found[pinned.package(name)] = installed(pinned.package(name))
    wanted = {"tutor": version, **{pinned.package(n): v for n, v in plugins.items()}}
    if found != wanted or __about__.__version__ != version:
        fail(f"venv holds {found} (tutor {__about__.__version__}), not {wanted}")

    def core(path: str) -> str:
        return env.read_core_template_file(*path.split("/"))

    # Tutor core's defaults.yml as Tutor loads it (values unrendered).
    defaults = serialize.load(core("config/defaults.yml"))

    hooks.Actions.CORE_READY.do()  # discovers installed plugins
    tutor_plugins.load_all(sorted(plugins))
    missing = [n for n in plugins if not tutor_plugins.is_loaded(n)]
    if missing:
        fail(f"plugins not loaded: {missing}")
    plugin_defaults = {
        name: dict(hooks.Filters.CONFIG_DEFAULTS.iterate_from_context(hooks.Contexts.app(name).name))
        for name in plugins
    }
    # Every patch of core and the enabled plugins, in Tutor's order (as env.patch joins them).
    patches: dict[str, list[str]] = {}
    for name, content in hooks.Filters.ENV_PATCHES.iterate():
        patches.setdefault(name, []).append(content)

    def expand(text: str, depth: int = 0) -> list[str]:
        if depth > 20:
            fail("include/patch nesting deeper than 20")
        lines: list[str] = []
        for line in text.splitlines():
            m = INCLUDE.match(line)
            if m:
                lines += expand(core(m.group(2)), depth + 1)
                continue
            m = PATCH.match(line)
            if m:
                lead, name, indent = m.group(1), m.group(2), int(m.group(3) or 0)
                body = expand("\n".join(patches.get(name, [])), depth + 1)
                for i, b in enumerate(body):
                    lines.append((lead if i == 0 else " " * indent) + b if b else b)
                continue
            lines.append(line)
        return lines

    def runtime_expand(text: str) -> list[str]:
        # Core templates name many patches; only settings/feature ones are expanded at the
        # top level (a Caddyfile patch has nothing to do with FEATURES).
        out: list[str] = []
        for line in text.splitlines():
            m = PATCH.match(line)
            if m and not RUNTIME_PATCHES.match(m.group(2)):
                continue
            m = INCLUDE.match(line)
            if m:
                out += runtime_expand(core(m.group(2)))
                continue
            out.append(line)
        return expand("\n".join(out))

    # env_templates: each top-level key of the core lms/cms.env.yml (includes inlined,
    # patches left out) -> its raw template lines.
    env_templates: dict[str, dict[str, str]] = {}
    env_feature_keys: set[str] = set()
    for name in ENV_TEMPLATES:
        keys: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in inline_includes(core("apps/openedx/config/" + name), core):
            m = TOP_KEY.match(line)
            if m:
                current = keys[m.group(1)] = [line]
            elif (not line.strip() or line[:1] in (" ", "\t")) and current is not None:
                current.append(line)
            elif line.strip():
                current = None  # a top-level patch, comment or tag: not part of a key
        env_templates[name] = {k: "\n".join(v).rstrip() for k, v in keys.items()}
        for line in keys.get("FEATURES", [])[1:]:
            m = YAML_CHILD.match(line)
            if m:
                env_feature_keys.add(m.group(1))

    # Feature assignments per app, in the order the settings apply them (later wins).
    flat = "FeaturesProxy" in core("apps/openedx/settings/partials/common_all.py")
    build = [n for n in sorted(patches) if BUILD_PATCHES.match(n) and not RUNTIME_PATCHES.match(n)]
    assignments: dict[str, list[list[str]]] = {}
    for app, (env_yml, production) in APPS.items():
        seq: list[list[str]] = []
        for name in build:
            seq += scan_python(expand("\n".join(patches[name])))
        seq += scan_env_features(runtime_expand(core(env_yml)))
        seq += scan_python(runtime_expand(core(production)))
        assignments[app] = seq

    result = {
        "tutor_version": version,
        "plugins": plugins,
        "defaults": defaults,
        "plugin_defaults": plugin_defaults,
        "env_templates": env_templates,
        "env_feature_keys": sorted(env_feature_keys),
        "flat_settings": flat,
        "feature_assignments": assignments,
        "deployments": deployments(core("k8s/deployments.yml")),
        "pip_runs": pip_runs(core("build/openedx/Dockerfile")),
        "compose_services": compose_services(core("local/docker-compose.yml")),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, sort_keys=True, indent=1, ensure_ascii=False)
        f.write("\n")


def inline_includes(text: str, core) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        m = INCLUDE.match(line)
        lines += inline_includes(core(m.group(2)), core) if m else [line]
    return lines


def literal(value: str) -> str:
    """The value text of an assignment, without a trailing comment."""
    value = value.strip()
    for i, c in enumerate(value):
        if c == "#":
            head = value[:i].rstrip()
            try:
                ast.parse(head, mode="eval")
                return head
            except SyntaxError:
                continue
    return value


def scan_python(lines: list[str]) -> list[list[str]]:
    """[name, value text, form] for FEATURES["X"] = v, FEATURES.update({...}), X = v."""
    seq: list[list[str]] = []
    text = "\n".join(lines)
    for line in lines:
        m = FEATURE_ITEM.match(line)
        if m:
            seq.append([m.group(2), literal(m.group(3)), "item"])
            continue
        m = BARE.match(line)
        if m:
            seq.append([m.group(1), literal(m.group(2)), "bare"])
    for m in re.finditer(r"FEATURES\.update\(\s*\{", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        for e in UPDATE_ENTRY.finditer(text[m.end() : i - 1]):
            seq.append([e.group(2), literal(e.group(3)), "update"])
    return seq


def scan_env_features(lines: list[str]) -> list[list[str]]:
    seq: list[list[str]] = []
    inside = False
    for line in lines:
        if re.match(r"^FEATURES\s*:\s*$", line):
            inside = True
            continue
        if inside and line.strip() and not line[:1].isspace():
            inside = False
        if inside:
            m = YAML_CHILD.match(line)
            if m:
                seq.append([m.group(1), m.group(2), "env"])
    return seq


def deployments(text: str) -> list[str]:
    names = set()
    for doc in re.split(r"(?m)^---\s*$", text):
        if re.search(r"(?m)^kind:\s*Deployment\s*$", doc):
            m = re.search(r"(?ms)^metadata:\s*$.*?^  name:\s*[\"']?([^\"'\s]+)", doc)
            if m:
                names.add(m.group(1))
    return sorted(names)


def pip_runs(text: str) -> list[str]:
    # The core Dockerfile's `RUN … pip install …` instructions, continuation lines joined
    # and comment lines dropped, as written (Jinja left in: envparity skips what is no
    # requirement when it parses them as it parses a rendered Dockerfile).
    runs: list[str] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.startswith("RUN ") and " install" in current and "PIP" in current.upper():
            runs.append(" ".join(current.split()))
        current = ""
    return runs


def compose_services(text: str) -> list[str]:
    names = set()
    inside = False
    for line in text.splitlines():
        if re.match(r"^services:\s*$", line):
            inside = True
            continue
        if line[:1].isalpha():
            inside = False
        if inside:
            m = re.match(r"^  ([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:\s*(#.*)?$", line)
            if m:
                names.add(m.group(1))
    return sorted(names)


def fail(message: str) -> None:
    print(f"generate.py: {message}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- combine
def edx_platform_features(tarball: str) -> dict[str, list[str]]:
    """FEATURES keys of edx-platform's lms/cms envs/common.py: the FEATURES = {...} dict,
    FEATURES["X"] = assignments and FEATURES.update({...}) dicts."""
    out: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["tar", "--zstd", "-xf", tarball, "-C", tmp, "--wildcards",
             "*/lms/envs/common.py", "*/cms/envs/common.py"],
            check=True,
        )
        for app in ("lms", "cms"):
            found = []
            for root, _dirs, files in os.walk(tmp):
                if root.endswith(os.path.join(app, "envs")) and "common.py" in files:
                    found.append(os.path.join(root, "common.py"))
            if len(found) != 1:
                fail(f"{tarball}: expected one {app}/envs/common.py, found {len(found)}")
            with open(found[0], encoding="utf-8") as f:
                tree = ast.parse(f.read())
            keys: set[str] = set()

            def dict_keys(node: ast.AST) -> None:
                if isinstance(node, ast.Dict):
                    keys.update(k.value for k in node.keys
                                if isinstance(k, ast.Constant) and isinstance(k.value, str))

            for node in ast.walk(tree):
                if isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for t in targets:
                        if isinstance(t, ast.Name) and t.id == "FEATURES":
                            dict_keys(node.value)
                        elif (isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                              and t.value.id == "FEATURES" and isinstance(t.slice, ast.Constant)
                              and isinstance(t.slice.value, str)):
                            keys.add(t.slice.value)
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                      and node.func.attr == "update" and isinstance(node.func.value, ast.Name)
                      and node.func.value.id == "FEATURES"):
                    for arg in node.args:
                        dict_keys(arg)
                    keys.update(k.arg for k in node.keywords if k.arg)
            out[app] = sorted(keys)
    return out


def combine(out: str, tarball: str, inputs: list[str]) -> None:
    import hashlib

    import yaml

    releases = {}
    for path in inputs:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        releases[data["tutor_version"].split(".")[0]] = data

    edx = edx_platform_features(tarball)
    with open(tarball, "rb") as f:
        tarball_sha = hashlib.sha256(f.read()).hexdigest()

    known = set(edx["lms"]) | set(edx["cms"])
    for data in releases.values():
        known |= set(data["env_feature_keys"])
        for seq in data["feature_assignments"].values():
            known |= {name for name, _value, form in seq if form != "bare"}

    document: dict = {"releases": {}}
    for major, data in releases.items():
        features = {}
        for app, seq in data["feature_assignments"].items():
            flags: dict[str, str] = {}
            for name, value, form in seq:
                if form == "bare" and not (data["flat_settings"] and name in known):
                    continue
                flags[name] = value  # later assignments win, as in the settings module
            features[app] = flags
        document["releases"][major] = {
            "tutor_version": data["tutor_version"],
            "plugins": data["plugins"],
            "defaults": data["defaults"],
            "plugin_defaults": data["plugin_defaults"],
            "env_templates": data["env_templates"],
            "features": features,
            "deployments": data["deployments"],
            "compose_services": data["compose_services"],
            "pip_runs": data["pip_runs"],
        }
    document["known_features"] = sorted(known)

    sys.path.insert(0, HERE)
    import pins as pinned  # data/pins.py: plugin name -> PyPI package

    packages = []
    for major in sorted(releases, key=int):
        data = releases[major]
        reqs = [f"tutor=={data['tutor_version']}"] + sorted(
            f"{pinned.package(name)}=={v}" for name, v in data["plugins"].items()
        )
        packages.append(f"#   {major}: " + ", ".join(reqs))
    flat = sorted((m for m, d in releases.items() if d["flat_settings"]), key=int)
    header = HEADER.format(
        packages="\n".join(packages),
        flat=", ".join(flat) or "none",
        tarball=os.path.basename(tarball),
        sha=tarball_sha,
        edx_lms=len(edx["lms"]),
        edx_cms=len(edx["cms"]),
    )

    class Dumper(yaml.SafeDumper):
        pass

    def str_presenter(dumper, value):
        if "\n" in value:
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)

    Dumper.add_representer(str, str_presenter)
    body = yaml.dump(document, Dumper=Dumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=100000)
    if yaml.safe_load(body) != document:
        fail("the YAML written does not read back as the data extracted")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(header + body)
    os.replace(tmp, out)


HEADER = """\
# GENERATED by data/generate.sh from pinned packages on PyPI; do not edit by hand.
# Each release was read with Tutor's own Python API (no Docker) in a venv holding:
{packages}
# plus edx-platform's lms/envs/common.py and cms/envs/common.py from {tarball}
#   (sha256 {sha}; {edx_lms} LMS and {edx_cms} CMS FEATURES keys).
# To add a release: add one row with `pin` and `plugins` to data/releases.toml, then run
# `bash data/generate.sh` and commit this file.
#
# releases.<major>:
#   tutor_version, plugins  the pins above (plugin name -> version).
#   defaults         Tutor core's templates/config/defaults.yml, values verbatim (unrendered).
#   plugin_defaults  each pinned plugin's CONFIG_DEFAULTS (prefixed keys), verbatim.
#   env_templates    core apps/openedx/config/{{lms,cms}}.env.yml: top-level key -> its raw
#                    template lines (the key line and its indented continuation lines). The
#                    `{{% include %}}`d partial (partials/auth.yml) is inlined, so its keys are
#                    here too; top-level `{{{{ patch(...) }}}}` lines belong to no key and are left out.
#   features         per app (lms, cms): flag -> literal value text (`True`/`False` in Python,
#                    `true`/`false` in the env YAML), as set by core's settings templates and
#                    the pinned plugins' patches, all plugins enabled. Read in the order the
#                    LMS/CMS apply them, the last assignment winning: the env YAML FEATURES
#                    map (plugin env-features patches, then core's entries), then
#                    <app>/production.py with its partials (common_all, common_<app>) and the
#                    settings patches expanded in place (openedx-common-settings,
#                    openedx-<app>-common-settings, openedx-<app>-production-settings, and the
#                    sub-patches those name). Build-time openedx-common-*-settings patches
#                    (assets, i18n) are read first, for both apps. Forms: FEATURES["X"] = v,
#                    FEATURES.update({{...}}) entries, and, in releases with flat settings
#                    (Tutor {flat}: FeaturesProxy), bare `X = v` lines for X in known_features.
#                    Jinja conditions around an assignment are not evaluated.
#   deployments      Deployment names in core k8s/deployments.yml (including those under
#                    `{{% if %}}`), sorted.
#   compose_services service names in core local/docker-compose.yml, sorted.
#   pip_runs         the core Dockerfile's `RUN … pip install …` instructions, joined.
# known_features: sorted union of every features flag, every FEATURES key of the core env
#   templates, and edx-platform's FEATURES keys.
"""


def main(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] == "release":
        release(argv[1], argv[2], argv[3:])
    elif len(argv) >= 4 and argv[0] == "combine":
        combine(argv[1], argv[2], argv[3:])
    else:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
