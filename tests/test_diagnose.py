"`stage_table` picks each stage's measures from what the stage is, for every registered method, before anything is trained (rows of `None`)."
import tempfile
from pathlib import Path
import pytest
from wsis_nb.data.toy import make_toy
from wsis_nb.engine.registry import load_methods
from wsis_nb.apps.diagnose import stage_table, stage_markdown

@pytest.fixture(scope='module')
def data(): return make_toy(Path(tempfile.mkdtemp())/'toy', 4, 2, sz=64)

def _measures(rows): return [(r['stage'], r['measure']) for r in rows]

CLS = ['classifier accuracy (valid)', 'seed mIoU (train)']
PSEUDO = ['pseudo instances matched@0.5 (train)', 'GT instances covered@0.5 (train)']

def test_untrained_rows(data):
    "The expected measures of a few methods, each `None` (nothing trained), with the paper figures where the papers give them"
    exp = {'cam': [('cam', m) for m in CLS],
           'prm-retrieval': [('cam', m) for m in CLS] + [('classifier', m) for m in CLS] + [('proposals', 'proposal recall@0.5 (train)')] + [('prediction', m) for m in PSEUDO],
           'bestie': [('cam', m) for m in CLS] + [('classifier', m) for m in CLS] + [('seeds', 'WSSS mIoU (train)'), ('wsss', 'WSSS mIoU (train)')] + [('pseudo', m) for m in PSEUDO],
           'bestie-crf': [('cam', m) for m in CLS] + [('classifier', m) for m in CLS] + [('wsss', 'WSSS mIoU (train)')] + [('pseudo', m) for m in PSEUDO],
           'irn': [('cam', m) for m in CLS] + [('seeds', 'WSSS mIoU (train)'), ('wsss', 'WSSS mIoU (train)')],
           'oracle': []}
    for name,e in exp.items():
        rows = stage_table(name, data)
        assert _measures(rows)==e, (name, _measures(rows))
        assert all(r['value'] is None for r in rows), rows
    rows = {r['measure']:r for r in stage_table('bestie-point', data)}
    assert rows['GT instances covered@0.5 (train)']['paper']==0.40 and rows['WSSS mIoU (train)']['paper']==0.70

def test_every_image_label_method_has_rows(data):
    "Every method trained from image labels, points or boxes has at least one measured stage; every row has the five keys"
    for name,m in load_methods().items():
        rows = stage_table(m, data, final={'mAP@0.5': 0.1})
        assert all(set(r)=={'stage','measure','value','paper','paper_figure_source'} for r in rows), name
        assert rows[-1]['measure']=='mAP^r@0.5 (test)' and rows[-1]['value']==0.1
        if m.supervision!='masks': assert len(rows)>1, name
        assert stage_markdown(rows).count('\n')==len(rows)+1

def test_bad_folder():
    with pytest.raises(FileNotFoundError, match='nope'): stage_table('cam', '/nope')
