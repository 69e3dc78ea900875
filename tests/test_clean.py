"The committed notebooks are clean and the package is what `nbdev-export` writes from them."
import shutil, subprocess, filecmp
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def _snapshot(d):
    return {p.relative_to(d): p.read_bytes() for p in sorted(d.rglob('*')) if p.is_file() and '__pycache__' not in p.parts and '.ipynb_checkpoints' not in p.parts}

def _copy(tmp_path):
    for n in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/n, tmp_path/n)
    for d in ('nbs', 'wsis_nb'): shutil.copytree(ROOT/d, tmp_path/d, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints', '_scratch*'))
    return tmp_path

def test_notebooks_clean(tmp_path):
    d = _copy(tmp_path); before = _snapshot(d/'nbs')
    subprocess.run(['nbdev-clean'], cwd=d, check=True, capture_output=True)
    changed = [str(k) for k,v in _snapshot(d/'nbs').items() if before.get(k) != v]
    assert not changed, f'nbdev-clean would change: {changed}; run nbdev-clean and commit'

def test_export_current(tmp_path):
    d = _copy(tmp_path); before = _snapshot(d/'wsis_nb')
    subprocess.run(['nbdev-export'], cwd=d, check=True, capture_output=True)
    after = _snapshot(d/'wsis_nb')
    changed = sorted(str(k) for k in set(before)|set(after) if before.get(k) != after.get(k))
    assert not changed, f'nbdev-export would change: {changed}; edit the notebooks, run nbdev-export and commit wsis_nb/'
