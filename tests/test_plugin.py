"""Adding a method: one module that defines a `Method`, and one entry-point line naming its package.

The example is a package installed the way pip installs one (its code and a `.dist-info` folder whose `entry_points.txt` holds
the one line), put on `PYTHONPATH`; the library's commands then list it, train it, predict with it and evaluate it, with no
change to wsis_nb. Inside wsis_nb itself the entry point names `wsis_nb.methods`, so a method defined in a notebook of
`nbs/methods/` needs no line at all."""
import json, os, subprocess, sys, textwrap
from pathlib import Path
import pytest

PLUGIN = textwrap.dedent('''
    import torch
    from torch import nn
    from fastai.learner import Learner
    from fastai.losses import BCEWithLogitsLossFlat
    from wsis_nb.core import Instances
    from wsis_nb.data.core import label_dls
    from wsis_nb.data.images import image_batches, prep_images, input_spec
    from wsis_nb.engine.registry import Method
    from wsis_nb.engine.stages import train_stage

    def build(n_cls, nf=8): return nn.Sequential(nn.Conv2d(3, nf, 3, 2, 1), nn.ReLU(), nn.Conv2d(nf, n_cls, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    def dls(path, sz=32, bs=8, train='train', valid='valid'): return label_dls(path, sz=sz, bs=bs, train=train, valid=valid)
    def learner(dls, nf=8): return Learner(dls, build(len(dls.vocab), nf), loss_func=BCEWithLogitsLossFlat())
    def predict(learn, imgs, thr=0.5, bs=8):
        "One box-shaped mask in the middle of the image per class the classifier finds: the plumbing, not the segmentation"
        res = []
        for ims in image_batches(imgs, bs):
            x = prep_images(ims, input_spec(learn), next(learn.model.parameters()).device)
            with torch.no_grad(): probs = torch.sigmoid(learn.model.eval()(x)).cpu()
            for im,p in zip(ims, probs):
                H,W = im.shape[-2:]; cls = (p>thr).nonzero()[:,0]
                m = torch.zeros(len(cls), H, W, dtype=torch.bool); m[:, H//4:3*H//4, W//4:3*W//4] = True
                res.append(Instances(m, cls, p[cls]))
        return res

    tiny_plugin = Method('tiny-plugin', 'image labels', [train_stage('net', dls, learner, build, predict, doc='a tiny classifier')],
                         recipes={'quick':dict(sz=32, bs=8, nf=8, epochs=1, lr=1e-2, thr=0.5),
                                  'paper':dict(sz=64, bs=8, nf=16, epochs=2, lr=1e-2, thr=0.5)},
                         doc='an example plug-in method')
''')

@pytest.fixture(scope='module')
def plugin_env(tmp_path_factory):
    "A site folder holding the package `tinyplug` with its metadata, and the environment that puts it on the path"
    site = tmp_path_factory.mktemp('site')
    (site/'tinyplug').mkdir(); (site/'tinyplug'/'__init__.py').write_text('')
    (site/'tinyplug'/'methods.py').write_text(PLUGIN)
    info = site/'tinyplug-0.1.dist-info'; info.mkdir()
    (info/'METADATA').write_text('Metadata-Version: 2.1\nName: tinyplug\nVersion: 0.1\n')
    (info/'entry_points.txt').write_text('[wsis_nb.methods]\ntinyplug = tinyplug.methods\n')     # the one line a package adds
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(site)] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p])}
    return site, env

def run(*args, env):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=900)

def test_plugin_listed(plugin_env):
    site, env = plugin_env
    r = run('wsis-train', '--list', env=env)
    assert r.returncode == 0, r.stderr
    rows = {l.split()[0]: l for l in r.stdout.splitlines()[1:]}
    assert 'tiny-plugin' in rows and 'an example plug-in method' in rows['tiny-plugin'], r.stdout
    assert {'cam', 'iam', 'oracle'} <= set(rows)                        # wsis_nb's own methods are still there

def test_plugin_trains_predicts_evaluates(plugin_env, tmp_path):
    site, env = plugin_env
    code = f'from wsis_nb.data.toy import make_toy; make_toy({str(tmp_path/"toy")!r}, n_train=12, n_valid=6, sz=64, n_cls=3)'
    assert run(sys.executable, '-c', code, env=env).returncode == 0
    r = run('wsis-train', 'tiny-plugin', tmp_path/'toy', env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    ck = Path(r.stdout.strip().splitlines()[-1].split()[-1])
    assert ck == tmp_path/'toy'/'models'/'tiny-plugin'/'net.pth' and ck.exists(), r.stdout
    out = tmp_path/'preds.json'
    r = run('wsis-predict', 'tiny-plugin', tmp_path/'toy', '--ckpt', ck, '--out', out, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    preds = json.loads(out.read_text())
    assert isinstance(preds, list) and all({'image_id', 'category_id', 'segmentation', 'score'} <= set(p) for p in preds)
    r = run('wsis-eval', 'tiny-plugin', tmp_path/'toy', '--ckpt', ck, env=env)
    assert r.returncode == 0 and 'mAP' in r.stdout, (r.stdout, r.stderr[-2000:])
