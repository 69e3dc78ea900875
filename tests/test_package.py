"The installed package imports on its own, exposes its public API, and finds its methods through entry points."
import importlib, ast
from pathlib import Path
import wsis_nb

PKG = Path(wsis_nb.__file__).parent

def test_version(): assert isinstance(wsis_nb.__version__, str) and wsis_nb.__version__.count('.') >= 2

def test_modules_import():
    for m in ('core', 'masks', 'train', 'registry', 'models', 'data.toy', 'data.core', 'data.images', 'metrics', 'cam', 'prm', 'maskrcnn', 'cli'):
        importlib.import_module(f'wsis_nb.{m}')

def test_no_private_imports():
    "No module imports another module's private names"
    bad = []
    for f in sorted(PKG.rglob('*.py')):
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.ImportFrom) and (n.level or (n.module or '').startswith('wsis_nb')):
                bad += [f'{f.name}: {a.name}' for a in n.names if a.name.startswith('_') and not a.name.startswith('__')]
    assert not bad, bad

def test_registry_from_entry_points():
    from wsis_nb.registry import load_methods, get_method
    ms = load_methods()
    assert {'cam', 'prm', 'prm-mrcnn', 'oracle'} <= set(ms)
    for m in ms.values():
        assert 'quick' in m.recipes and 'paper' in m.recipes and m.stages
        assert m.predict_stage.build is not None
    assert [s.name for s in get_method('prm-mrcnn').stages] == ['prm', 'pseudo', 'mrcnn']

def test_cli_holds_no_method_list():
    src = (PKG/'cli.py').read_text()
    for m in ('wsis_nb.cam', 'wsis_nb.prm', 'wsis_nb.maskrcnn'): assert m not in src
