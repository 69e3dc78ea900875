"The installed package imports on its own and exposes its public API."
import importlib
import wsis_nb

def test_version(): assert isinstance(wsis_nb.__version__, str) and wsis_nb.__version__.count('.') >= 2

def test_modules_import():
    for m in ('core', 'train', 'data.toy', 'data.core', 'metrics', 'cam', 'prm', 'cli'):
        importlib.import_module(f'wsis_nb.{m}')

def test_registry_has_methods():
    from wsis_nb.cli import METHODS
    assert {'cam', 'prm'} <= set(METHODS)
    for m in METHODS.values(): assert 'quick' in m.recipes and 'paper' in m.recipes
