"The installed package imports on its own, exposes its public API, and finds its methods through entry points."
import importlib, ast
from pathlib import Path
import wsis_nb

PKG = Path(wsis_nb.__file__).parent

def test_version(): assert isinstance(wsis_nb.__version__, str) and wsis_nb.__version__.count('.') >= 2

def test_modules_import():
    "Every module of the package imports on its own (found on disk, so a new notebook's module is covered)"
    mods = sorted('.'.join(f.relative_to(PKG).with_suffix('').parts) for f in PKG.rglob('*.py') if not f.name.startswith('_'))
    assert {'core', 'engine.registry', 'apps.cli', 'apps.convert', 'data.voc', 'data.coco', 'data.download', 'methods.community'} <= set(mods), mods
    for m in mods: importlib.import_module(f'wsis_nb.{m}')

def test_no_private_imports():
    "No module imports another module's private names"
    bad = []
    for f in sorted(PKG.rglob('*.py')):
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.ImportFrom) and (n.level or (n.module or '').startswith('wsis_nb')):
                bad += [f'{f.name}: {a.name}' for a in n.names if a.name.startswith('_') and not a.name.startswith('__')]
    assert not bad, bad

# The layers, bottom to top, are `wsis_nb.core.LAYERS` (index's "The layout" lists them): a module imports only from its own layer or those below.

def _imports(f, mod):
    "The `wsis_nb` modules that the module `mod` (file `f`) imports, relative or absolute, at any depth of its code"
    for n in ast.walk(ast.parse(f.read_text())):
        if isinstance(n, ast.ImportFrom) and n.level:
            base = mod.split('.')[:len(mod.split('.'))-n.level]
            yield '.'.join(base+([n.module] if n.module else []))
        elif isinstance(n, ast.ImportFrom) and (n.module or '').startswith('wsis_nb.'): yield n.module[len('wsis_nb.'):]
        elif isinstance(n, ast.Import): yield from (a.name[len('wsis_nb.'):] for a in n.names if a.name.startswith('wsis_nb.'))

def test_layers():
    "Every module sits in a layer's folder, and imports flow one way: down the layers, never up"
    from wsis_nb.core import LAYERS, layer_of
    bad, seen = [], set()
    for f in sorted(PKG.rglob('*.py')):
        if f.name.startswith('_'): continue
        mod = '.'.join(f.relative_to(PKG).with_suffix('').parts)
        seen.add(layer_of(mod))                                         # an error for a module outside the layers
        bad += [f'{mod} imports {t}' for t in _imports(f, mod) if layer_of(t) > layer_of(mod)]
    assert not bad, bad
    assert seen == set(range(len(LAYERS)))

def test_layers_test_can_fail(tmp_path):
    "The check above finds an upward import (a building block importing the registry)"
    f = tmp_path/'x.py'; f.write_text('from ..engine.registry import Stage\nimport wsis_nb.apps.cli\n')
    assert [t for t in _imports(f, 'blocks.x')] == ['engine.registry', 'apps.cli']

def test_registry_from_entry_points():
    from wsis_nb.engine.registry import load_methods, get_method
    ms = load_methods()
    assert {'cam', 'prm', 'prm-mrcnn', 'oracle'} <= set(ms)
    for m in ms.values():
        assert 'quick' in m.recipes and 'paper' in m.recipes and m.stages
        assert m.predict_stage.build is not None
    assert [s.name for s in get_method('prm-mrcnn').stages] == ['prm', 'pseudo', 'mrcnn']

def test_cli_holds_no_method_list():
    src = (PKG/'apps'/'cli.py').read_text()
    for m in ('wsis_nb.methods.cam', 'wsis_nb.methods.prm', 'wsis_nb.blocks.maskrcnn'): assert m not in src

NOT_SETTINGS = {'learn', 'imgs', 'timing', 'proposals', 'progress', 'path', 'dls', 'n_cls', 'model', 'folder', 'cache', 'spec', 'num_workers',
                'cbs', 'learner_cls', 'loss_func', 'metrics', 'model_cls'}   # what a stage passes or a caller plugs in: objects, not settings

def package_methods()->list:
    "The package's own methods (`methods_of` its entry point), not those a notebook run registered in this process"
    from wsis_nb.engine.registry import methods_of
    return methods_of(importlib.import_module('wsis_nb.methods'))

def test_recipes_hold_every_setting():
    "Every setting a stage's functions read (`learner`, `build`, `predict`, `dls`) has its one source in each recipe of the method"
    from wsis_nb.engine.registry import accepted
    for m in package_methods():
        for st in m.stages:
            for f in st.functions.values():
                for r,rc in m.recipes.items():
                    keys = {k.split('.', 1)[-1] for k in rc}
                    missing = accepted(f) - NOT_SETTINGS - keys - {'train', 'valid', 'wd', 'pretrained'}
                    assert not missing, f"{m.name}/{st.name} recipe {r!r}: {f.__name__} reads {sorted(missing)}, not in the recipe"

def test_peak_family_methods():
    from wsis_nb.engine.registry import get_method
    assert [s.name for s in get_method('prm-retrieval').stages] == ['cam', 'classifier', 'proposals', 'prediction']
    assert [s.name for s in get_method('iam').stages] == ['cam', 'classifier', 'proposals', 'pseudo', 'filling', 'prediction']
    assert get_method('iam').recipes['quick']['top_k'] == 5 and get_method('iam-s1').recipes['quick']['top_k'] == 1

def test_box_family_methods():
    from wsis_nb.engine.registry import get_method, get_recipe, stage_view
    for n in ('boxcaseg', 'bbtp'): assert [s.name for s in get_method(n).stages] == ['joint', 'proxy', 'mrcnn']
    assert stage_view(get_recipe(get_method('bbtp')), 'joint')['heads'] == ('weak',)
    assert stage_view(get_recipe(get_method('boxcaseg'), 'paper'), 'proxy')['drop_thr'] == 0.95    # the paper's Table 8

def test_every_method_registered():
    "wsis_nb's methods come from one entry point naming the package `wsis_nb.methods` (see `methods_of`): every module-level `Method` lives in `methods/` and loads through `get_method`, so its checkpoints load in a fresh process"
    import tomllib
    from wsis_nb.engine.registry import Method, get_method, load_methods
    eps = tomllib.loads((PKG.parent/'pyproject.toml').read_text())['project']['entry-points']['wsis_nb.methods']
    assert eps == {'wsis_nb': 'wsis_nb.methods'}, f'one entry point for the whole package, got {eps}'
    mods = sorted('.'.join(f.relative_to(PKG).with_suffix('').parts) for f in PKG.rglob('*.py') if not f.name.startswith('_'))
    found = {}                                                          # method name -> where it was first seen
    for m in mods:
        for k,v in vars(importlib.import_module(f'wsis_nb.{m}')).items():
            if isinstance(v, Method): found.setdefault(v.name, f'wsis_nb.{m}:{k}')
    assert {'cam', 'pam', 'oracle'} <= set(found), sorted(found)
    outside = {n:w for n,w in found.items() if not w.startswith('wsis_nb.methods.')}
    assert not outside, f'Method objects outside wsis_nb/methods/ (the package the entry point names): {outside}'
    missing = set(found) - set(load_methods())
    assert not missing, missing
    for n,w in found.items(): assert get_method(n).name == n, w

DERIVED = {'sz', 'max_size', 'anchor', 'fill_steps', 'fill_sz', 'wd'}   # `None` means "computed from the data, the model or fastai" (each docstring says from what)

def test_signature_defaults_are_quick():
    "A stage function's own keyword defaults (`Stage.functions`) equal the `quick` recipe of the method that owns it (`defaults_owner`), so a direct call and `wsis-train M` agree; a setting passed on through `delegates` is checked where it is defined"
    import inspect
    from wsis_nb.engine.registry import get_recipe, stage_view, defaults_owner
    funcs = {(f.__module__, f.__qualname__):f for m in package_methods() for st in m.stages for f in st.functions.values() if f.__module__.startswith('wsis_nb.')}
    assert len(funcs) > 30
    checked, wrong = 0, []
    for (mod, q), f in funcs.items():
        own = defaults_owner(f)
        st = next(s for s in own.stages if f in s.functions.values())
        view = stage_view(get_recipe(own, 'quick'), st.name)
        code = (f.__init__ if inspect.isclass(f) else f).__code__
        mine = set(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
        for p in inspect.signature(f).parameters.values():
            if p.name not in mine or p.name not in view or p.default is inspect.Parameter.empty: continue
            if p.default is None and p.name in DERIVED: continue
            d, r = p.default, view[p.name]
            if isinstance(d, tuple) and isinstance(r, list): r = tuple(r)
            checked += 1
            if not (d == r and (type(d) == type(r) or {type(d), type(r)} <= {int, float})): wrong.append(f"{q}({p.name}={d!r}), quick {own.name}: {r!r}")
    assert checked > 100 and not wrong, wrong
