"Every registered method's `paper` recipe runs on a converted VOC folder (`wsis-train M DST --recipe paper`), shrunk to tiny sizes, and is evaluated on `val`."
import warnings
import pytest
from wsis_nb.engine.registry import load_methods, get_method
from wsis_nb.engine.runner import run_method
from wsis_nb.apps.cli import evaluate, predict, default_ckpt
from wsis_nb.data.core import CocoFolder

TINY = dict(arch='tiny', pretrained=False, nf=8, sz=64, bs=2, epochs=1, num_workers=0, scales=(1.0,), max_size=96)

@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    "The VOC + SBD fixture converted once: trainaug (also `train`), val (also `valid`); images without objects included"
    from wsis_nb.data.voc import make_voc_fixture
    from wsis_nb.apps.convert import wsis_convert
    root = tmp_path_factory.mktemp('paper')
    fx = make_voc_fixture(root/'voc')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); wsis_convert('voc', fx, root/'out', sbd=fx)
    return root/'out'

def tiny_sets(m):
    "`TINY`'s settings that the method has, also under each stage's prefix where its paper recipe sets them there"
    rc = m.recipes['paper']; known = {k.split('.')[-1] for r in m.recipes.values() for k in r}
    sets = {k:v for k,v in TINY.items() if k in known}
    sets.update({f'{st.name}.{k}':v for st in m.stages for k,v in TINY.items() if f'{st.name}.{k}' in rc})
    if any(k.endswith('salient') for k in rc): sets['joint.salient'] = 'toy-salient'
    return sets

@pytest.mark.parametrize('name', sorted(load_methods()))
def test_paper_recipe_on_voc(voc, name):
    m = get_method(name)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); run_method(m, voc, 'paper', sets=tiny_sets(m), log=lambda s: None)
        val = CocoFolder(voc, 'val'); res = evaluate(predict(default_ckpt(name, voc), val), val)
    assert {'mAP@0.25', 'mAP@0.5', 'mAP@0.7', 'mAP@0.75', 'ABO'} <= set(res), res
    assert all(0 <= res[k] <= 1 for k in ('mAP@0.25', 'mAP@0.5', 'ABO')), res
