"fastai's own `learn.export()` / `load_learner()` round trip works for our learners, and predicts the same instances."
import torch
from fastai.learner import load_learner
from wsis_nb.data.toy import make_toy
from wsis_nb.data.core import CocoFolder
from wsis_nb.engine.registry import get_method, get_recipe, stage_view, call_with

def test_export_load_learner(tmp_path):
    data = make_toy(tmp_path/'toy', n_train=8, n_valid=4, sz=64, n_cls=2)
    st = get_method('prm').stage('prm'); s = {**stage_view(get_recipe(get_method('prm'), 'quick'), 'prm'), 'sz':64, 'bs':4}
    learn = call_with(st.learner, call_with(st.dls, data, **s), **s)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    learn.export(tmp_path/'prm.pkl')
    back = load_learner(tmp_path/'prm.pkl')
    imgs = [CocoFolder(data, 'valid').load_img(i) for i in range(4)]
    a = call_with(st.predict, learn, imgs, **s); b = call_with(st.predict, back, imgs, **s)
    assert [len(x) for x in a] == [len(x) for x in b]
    for x,y in zip(a, b):
        assert torch.equal(x.masks, y.masks) and torch.equal(x.labels, y.labels)
        assert torch.allclose(x.scores, y.scores, atol=1e-5)
