"Run every notebook in `nbs/` as one pytest case, as `nbdev-test` would (flagged cells skipped)."
import os, pytest
from pathlib import Path
from nbdev.test import test_nb as _run_nb   # renamed so pytest does not collect it
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT/'nbs').rglob('*.ipynb') if not p.name.startswith('_') and not any(q.startswith(('_', '.')) for q in p.relative_to(ROOT/'nbs').parts[:-1]))

def _flags():
    cfg = get_config(ROOT)
    skip = cfg.tst_flags.split() if isinstance(cfg.tst_flags, str) else list(cfg.tst_flags)
    force = os.environ.get('WSIS_TEST_FLAGS', '').split()   # e.g. WSIS_TEST_FLAGS=slow pytest tests/
    return skip, force

def test_found_notebooks(): assert len(NBS) > 0

@pytest.mark.parametrize('nb', NBS, ids=[str(p.relative_to(ROOT/'nbs').with_suffix('')) for p in NBS])
def test_notebook(nb, monkeypatch):
    monkeypatch.chdir(nb.parent)
    skip, force = _flags()
    ok, t = _run_nb(nb, skip_flags=skip, force_flags=force, showerr=True, basepath=str(ROOT))
    assert ok, f'{nb.name} failed (see the traceback above)'
