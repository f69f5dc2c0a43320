"""Every module and sub-feature has the one shape modules/README.md describes, and no source file
grows past 600 lines. Each test lists every deviation it finds, by path, so one run says what is
left to reshape."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / "modules"
MAX_LINES = 600

# Folders at a module's (or sub-feature's) root that are not sub-features.
PACKAGES = {"services", "selectors", "views", "reports", "templates", "static", "templatetags", "management",
            "migrations", "__pycache__"}
# The only spellings of the three layers' files; any other file whose name carries one of these
# words (exchange_services.py, views_quota.py, service.py, pool_selectors.py) is a feature that
# belongs in a section, in the package, or in a sub-feature.
LAYER_FILES = {"services.py", "selectors.py", "views.py", "views_district.py"}
LAYER_WORD = re.compile(r"(^|_)(services?|selectors?|views?)(_|$)")
NEVER = {"manifest_parts.py", "roles.py"}  # a sub-feature's part of the manifest is declarations.py


def module_dirs() -> list[Path]:
    return sorted(p for p in MODULES.iterdir() if p.is_dir() and p.name != "__pycache__")


def feature_dirs(app: Path) -> list[Path]:
    return sorted(p for p in app.iterdir() if p.is_dir() and p.name not in PACKAGES)


def apps_and_features() -> list[Path]:
    return [d for m in module_dirs() for d in (m, *feature_dirs(m))]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def source_files(*tops: str):
    for top in tops:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts and "__pycache__" not in path.parts:
                yield path


def test_modules_and_sub_features_have_their_declaration_files():
    missing = []
    for module in module_dirs():
        missing += [rel(module / f) for f in ("apps.py", "manifest.py") if not (module / f).is_file()]
        for feature in feature_dirs(module):
            missing += [rel(feature / f) for f in ("apps.py", "declarations.py") if not (feature / f).is_file()]
    assert not missing, "missing (see modules/README.md, The template):\n" + "\n".join(missing)


def test_no_feature_files_beside_the_layers():
    strays = []
    for app in apps_and_features():
        for path in sorted(app.glob("*.py")):
            if path.name in NEVER or (path.name not in LAYER_FILES and LAYER_WORD.search(path.stem)):
                strays.append(rel(path))
        for folder in feature_dirs(app):
            # services/, selectors/, views/ are the package forms; anything else named like them is a stray
            if LAYER_WORD.search(folder.name):
                strays.append(rel(folder) + "/")
    assert not strays, ("a feature's services/views/roles belong in the layer's file or package, or in a "
                        "sub-feature with declarations.py (modules/README.md):\n" + "\n".join(strays))


def test_a_layer_is_a_file_or_a_package_not_both():
    both = [rel(app / name) for app in apps_and_features() for name in ("services", "selectors", "views", "reports")
            if (app / f"{name}.py").is_file() and (app / name).is_dir()]
    assert not both, "the file and the package of the same name (the package shadows the file):\n" + "\n".join(both)


def test_sub_features_do_not_nest():
    nested = [rel(sub) + "/" for m in module_dirs() for f in feature_dirs(m) for sub in feature_dirs(f)]
    assert not nested, "a sub-feature holds no sub-features of its own:\n" + "\n".join(nested)


def test_no_star_imports():
    star = re.compile(r"^\s*from\s+\S+\s+import\s+\*", re.MULTILINE)
    found = []
    for path in source_files("modules", "platform", "tenants"):
        # Django's settings layering (dev/test/prod extend base) is the one accepted use: a settings
        # module is a namespace of UPPERCASE values read by Django, not code anyone imports names from.
        if path.parent == ROOT / "platform" / "zhengtong" / "settings":
            continue
        if star.search(path.read_text(encoding="utf-8")):
            found.append(rel(path))
    assert not found, "re-export names explicitly instead of `import *`:\n" + "\n".join(found)


def test_no_source_file_over_600_lines():
    long = []
    for path in source_files("modules", "platform", "tenants", "tests", "bench", "deploy"):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            long.append(f"{rel(path)}: {lines} lines")
    assert not long, f"split along the file's own sections (at most {MAX_LINES} lines):\n" + "\n".join(long)


def test_readme_layout_names_the_top_level_folders():
    """The README's Layout block names every top-level folder of the repository, and only those."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"^(\w[\w.-]*)/", block, re.MULTILINE))
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")} - {"var"}
    assert named == folders
