"""Edit notebooks as text: `python tools/nbpy.py out NB.ipynb > NB.py` writes cells as a percent script;
`python tools/nbpy.py in NB.py NB.ipynb` writes them back. Cells are separated by lines
`# %% [code] id=XXXXXXXX` or `# %% [markdown] id=XXXXXXXX` (id optional: new cells get a deterministic id).
A code cell whose id and source are unchanged keeps its outputs; a changed one loses them. Markdown is written as-is."""
import json, sys, re, hashlib
from pathlib import Path

HDR = re.compile(r'^# %% \[(code|markdown)\](?: id=(\S+))?\s*$')

def nb2py(nb_path):
    nb = json.loads(Path(nb_path).read_text())
    out = []
    for c in nb['cells']:
        out.append(f"# %% [{c['cell_type']}] id={c.get('id','')}")
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        out.append(src)
    return '\n'.join(out) + '\n'

def _src_lines(s):
    lines = s.split('\n')
    return [l+'\n' for l in lines[:-1]] + ([lines[-1]] if lines[-1] else [])

def py2nb(py_path, nb_path):
    nb_path = Path(nb_path)
    old = json.loads(nb_path.read_text()) if nb_path.exists() else None
    by_id = {c.get('id'): c for c in old['cells']} if old else {}
    cells, cur = [], None
    for line in Path(py_path).read_text().split('\n'):
        m = HDR.match(line)
        if m:
            if cur: cells.append(cur)
            cur = dict(type=m.group(1), id=m.group(2), lines=[])
        elif cur is not None: cur['lines'].append(line)
    if cur: cells.append(cur)
    res, used = [], set()
    for i, c in enumerate(cells):
        src = '\n'.join(c['lines']).rstrip('\n')
        cid = c['id']
        if not cid or cid in used:
            cid = hashlib.sha1(f'{nb_path.name}:{i}:{src}'.encode()).hexdigest()[:8]
        used.add(cid)
        if c['type'] == 'markdown':
            res.append(dict(cell_type='markdown', id=cid, metadata={}, source=_src_lines(src)))
        else:
            prev = by_id.get(cid)
            keep = prev is not None and prev['cell_type'] == 'code' and ''.join(prev['source']) == src
            res.append(dict(cell_type='code', execution_count=None, id=cid, metadata={},
                            outputs=prev['outputs'] if keep else [], source=_src_lines(src)))
    meta = old['metadata'] if old else {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}}
    nb = dict(cells=res, metadata=meta, nbformat=4, nbformat_minor=5)
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'out': sys.stdout.write(nb2py(sys.argv[2]))
    elif cmd == 'in': py2nb(sys.argv[2], sys.argv[3])
    else: sys.exit(__doc__)
