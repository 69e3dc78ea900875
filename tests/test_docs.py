"Docs smoke test without Quarto: nbdev's processing of every notebook for the docs site (what `nbdev-docs` runs before Quarto) succeeds."
import shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def test_docs_processing(tmp_path):
    for n in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/n, tmp_path/n)
    shutil.copytree(ROOT/'nbs', tmp_path/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_scratch*'))
    code = "from nbdev.serve import proc_nbs; proc_nbs(n_workers=0, force=True)"
    r = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True, timeout=900, env={**__import__('os').environ, 'MPLBACKEND': 'Agg'})
    assert r.returncode == 0, r.stderr[-4000:]
    nbs = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    done = sorted(p.name for p in (tmp_path/'_proc').glob('*.ipynb'))
    assert done == nbs, f'not processed: {set(nbs)-set(done)}'
    assert (tmp_path/'_proc'/'_quarto.yml').exists()

def test_sidebar_lists_every_notebook():
    "nbs/sidebar.yml (a custom sidebar: nbdev does not regenerate it) names every notebook once, and no missing one"
    import re
    txt = (ROOT/'nbs'/'sidebar.yml').read_text()
    listed = re.findall(r'^\s*-\s+(\S+\.ipynb)\s*$', txt, re.M)
    nbs = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    dup = {n for n in listed if listed.count(n)>1}
    assert not dup, f'listed twice in nbs/sidebar.yml: {dup}'
    assert sorted(listed) == nbs, f'missing from nbs/sidebar.yml: {set(nbs)-set(listed)}; not notebooks: {set(listed)-set(nbs)}'
    assert 'custom_sidebar = true' in (ROOT/'pyproject.toml').read_text()
