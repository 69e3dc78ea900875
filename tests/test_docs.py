"Docs smoke test without Quarto: nbdev's processing of every notebook for the docs site (what `nbdev-docs` runs before Quarto) succeeds and shows every exported signature; no `show_doc` hides in a hidden cell."
import json, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Notebooks allowed to keep `show_doc` calls in hidden cells, with how many (a ceiling that may only shrink).
# Empty since 2026-12-05 (issue 23): every notebook must have none, and must show the signature of every function
# and class it exports (checked on nbdev's processed notebooks).
HIDDEN_SHOW_DOC_ALLOWED = {}

def test_docs_processing(tmp_path):
    for n in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/n, tmp_path/n)
    shutil.copytree(ROOT/'nbs', tmp_path/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_scratch*'))
    code = "from nbdev.serve import proc_nbs; proc_nbs(n_workers=0, force=True)"
    r = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True, timeout=900, env={**__import__('os').environ, 'MPLBACKEND': 'Agg'})
    assert r.returncode == 0, r.stderr[-4000:]
    nbs = notebooks()
    done = sorted(str(p.relative_to(tmp_path/'_proc')) for p in (tmp_path/'_proc').rglob('*.ipynb'))
    assert done == nbs, f'not processed: {set(nbs)-set(done)}'
    assert (tmp_path/'_proc'/'_quarto.yml').exists()
    missing = {}
    for n in nbs:
        nb = ROOT/'nbs'/n
        if nb.name in HIDDEN_SHOW_DOC_ALLOWED: continue
        lost = exported_names(nb) - rendered_names(tmp_path/'_proc'/n)
        if lost: missing[n] = sorted(lost)
    assert not missing, f'exported functions and classes whose signature the docs do not show: {missing}'

def notebooks()->list:
    "The notebooks of the docs site, as paths relative to `nbs/` (a layer's notebooks sit in its folder)"
    return sorted(str(p.relative_to(ROOT/'nbs')) for p in (ROOT/'nbs').rglob('*.ipynb')
                  if not p.name.startswith('_') and '.ipynb_checkpoints' not in p.parts and not any(q.startswith(('_', '.')) for q in p.relative_to(ROOT/'nbs').parts[:-1]))

def _code(nb_path): return [''.join(c['source']) for c in json.loads(Path(nb_path).read_text())['cells'] if c['cell_type']=='code']

def exported_names(nb_path:Path)->set:
    "Public functions and classes that `nb_path` exports (from `_modidx`)"
    from wsis_nb._modidx import d
    m = re.search(r'^#\|\s*default_exp\s+(\S+)', '\n'.join(_code(nb_path)), re.M)
    if not m: return set()
    mod = f'wsis_nb.{m.group(1)}.'
    return {k[len(mod):] for k in d['syms'].get(mod[:-1], {}) if '.' not in k[len(mod):] and not k[len(mod):].startswith('_')}

def rendered_names(nb_path:Path)->set:
    "Names whose `show_doc` signature a processed notebook shows (its `### name` headings)"
    res = set()
    for c in json.loads(Path(nb_path).read_text())['cells']:
        if c['cell_type'] != 'code' or 'show_doc(' not in ''.join(c['source']): continue
        for o in c.get('outputs', []): res |= set(re.findall(r'^#{2,4}\s+([\w.]+)', ''.join(o.get('data', {}).get('text/markdown', [])), re.M))
    return res

def test_sidebar_from_folders(tmp_path):
    "nbdev builds the sidebar from the folders of `nbs/` (no hand-kept sidebar.yml): every notebook once, under its folder's section, at its real path"
    import yaml
    assert 'custom_sidebar = false' in (ROOT/'pyproject.toml').read_text()
    for n in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/n, tmp_path/n)
    shutil.copytree(ROOT/'nbs', tmp_path/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_scratch*', 'sidebar.yml'))
    r = subprocess.run([sys.executable, '-c', 'from nbdev.quarto import nbdev_sidebar; nbdev_sidebar.__wrapped__()'], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    side = yaml.safe_load((tmp_path/'nbs'/'sidebar.yml').read_text())['website']['sidebar']['contents']
    listed, sections = [], []
    def walk(items):
        for it in items:
            if isinstance(it, str): listed.append(it)
            else: sections.append(it['section']); walk(it['contents'])
    walk(side)
    assert sorted(l for l in listed if l.endswith('.ipynb')) == notebooks()
    assert {'data', 'blocks', 'engine', 'methods', 'apps', 'bench'} <= set(sections), sections

def hidden_show_docs(nb_path:Path)->list:
    "The `show_doc` calls of `nb_path` that sit in cells nbdev drops from the docs (`#| hide` or `#| include: false`)"
    res = []
    for c in json.loads(nb_path.read_text())['cells']:
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source'])
        if re.search(r'^#\|\s*(hide(\s*:\s*true)?\s*$|include\s*:\s*false)', src, re.M): res += re.findall(r'^\s*(show_doc\(.*\))\s*$', src, re.M)
    return res

def test_no_show_doc_in_hidden_cells():
    "nbdev counts a symbol shown in a hidden cell as documented and drops the cell, so its signature never reaches the docs site"
    found = {n: hidden_show_docs(ROOT/'nbs'/n) for n in notebooks()}
    bad = {n: sd for n,sd in found.items() if len(sd) > HIDDEN_SHOW_DOC_ALLOWED.get(n, 0)}
    assert not bad, f'show_doc in a #| hide cell (make the cell visible, or delete the call and let nbdev document the export): {bad}'

def test_hidden_show_docs_found(tmp_path):
    "The check above sees a hidden show_doc, and not a visible one"
    cell = lambda s: dict(cell_type='code', id='x', metadata={}, outputs=[], execution_count=None, source=s)
    p = tmp_path/'a.ipynb'
    p.write_text(json.dumps(dict(cells=[cell('#| hide\nshow_doc(f)'), cell('show_doc(g)'), cell('#|hide\nx = 1'), cell('#| hide: true\nshow_doc(h)')], metadata={}, nbformat=4, nbformat_minor=5)))
    assert hidden_show_docs(p) == ['show_doc(f)', 'show_doc(h)']

def test_index_lists_the_layers():
    "index's layout table has one row per layer of `wsis_nb.core.LAYERS`, bottom to top, so the prose and the enforced rule cannot drift"
    from wsis_nb.core import LAYERS
    nb = json.loads((ROOT/'nbs'/'index.ipynb').read_text())
    md = ''.join(''.join(c['source']) for c in nb['cells'] if c['cell_type']=='markdown')
    sec = md[md.index('## The layout'):]; sec = sec[:sec.index('\n## ', 5)]
    rows = [l for l in sec.splitlines() if l.startswith('|') and '`nbs/' in l]
    folders = [('' if '`nbs/0' in r else r.split('`nbs/')[1].split('/')[0]) for r in rows]
    assert [f for f in folders if f!='bench'] == list(LAYERS), folders
