"`wsis-convert` of the installed package: in-process on the fixtures, and as a console script for its exit status."
import shutil, subprocess, sys, warnings
from pathlib import Path
import pytest
from wsis_nb.apps.convert import wsis_convert
from wsis_nb.data.core import CocoFolder
from wsis_nb.data.coco import make_coco_fixture
from wsis_nb.data.salient import make_duts_fixture

def command(tmp_path):
    "`wsis-convert` if installed, else a script doing what the console-script wrapper pip writes does"
    if exe := shutil.which('wsis-convert'): return [exe]
    s = tmp_path/'wsis_convert_script.py'
    s.write_text('import sys\nfrom wsis_nb.apps.convert import wsis_convert\nsys.exit(wsis_convert())\n')
    return [sys.executable, str(s)]

def run(tmp_path, *args):
    return subprocess.run([*command(tmp_path), *map(str, args)], capture_output=True, text=True, timeout=300)

def test_coco(tmp_path, capsys):
    fx = make_coco_fixture(tmp_path/'coco')
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always'); r = wsis_convert('coco', fx, tmp_path/'out')
    assert [r['train'][k] for k in ('n_images', 'n_kept', 'n_bad_images', 'n_orphans', 'n_crowd')] == [6, 4, 2, 1, 1]
    assert r['val']['n_kept'] == 2
    assert any('convert_coco: skipped 3' in str(x.message) for x in w)
    out = capsys.readouterr().out
    assert 'kept' in out and out.splitlines()[1].split()[:3] == ['train', '6', '4'], out
    tr = CocoFolder(tmp_path/'out', 'train')
    assert tr.classes == ['person', 'car', 'toothbrush'] and len(tr) == 4
    assert sum(tr.difficult(i).sum().item() for i in range(len(tr))) == 1

def test_duts(tmp_path):
    fx = make_duts_fixture(tmp_path/'duts'/'DUTS-TR')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert wsis_convert('duts', fx, tmp_path/'single', single=True)['n_kept'] == 7
        assert wsis_convert('duts', fx, tmp_path/'all', limit=3)['n_kept'] == 3
    assert CocoFolder(tmp_path/'single').classes == ['object'] and len(CocoFolder(tmp_path/'all')) == 3

def test_voc(tmp_path):
    voc = pytest.importorskip('wsis_nb.data.voc')
    fx = voc.make_voc_fixture(tmp_path/'voc')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); r = wsis_convert('voc', fx, tmp_path/'out', sbd=fx)
    assert set(r) == {'trainaug', 'val'}
    assert all(len(CocoFolder(tmp_path/'out', s)) == r[s]['images'] for s in r)

def test_errors_in_python(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'): wsis_convert('coco', tmp_path/'nowhere', tmp_path/'x')
    with pytest.raises(ValueError, match='--sbd is for voc'): wsis_convert('duts', tmp_path, tmp_path/'x', sbd='s')

def test_missing_folder_exit(tmp_path):
    r = run(tmp_path, 'coco', tmp_path/'nowhere', tmp_path/'x')
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert r.stderr.strip().startswith('wsis-convert: error: convert_coco:') and 'nowhere' in r.stderr
    assert 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr

def test_bad_command_line_exit(tmp_path):
    r = run(tmp_path, 'coco', tmp_path, tmp_path/'x', '--single')
    assert r.returncode == 1 and '--single is for duts' in r.stderr and 'Traceback' not in r.stderr
    r = run(tmp_path, 'imagenet', tmp_path, tmp_path/'x')
    assert r.returncode == 2 and 'invalid choice' in r.stderr

def test_voc_trains_with_the_paper_recipe(tmp_path):
    "A converted VOC folder runs `wsis-train M DST --recipe paper` with the default splits (trainaug as train, val as valid), then `wsis-eval`"
    voc = pytest.importorskip('wsis_nb.data.voc')
    from wsis_nb.apps.cli import wsis_train, wsis_eval
    fx = voc.make_voc_fixture(tmp_path/'voc')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); wsis_convert('voc', fx, tmp_path/'out', sbd=fx)
    tiny = ['arch=tiny', 'pretrained=False', 'nf=8', 'sz=64', 'bs=2', 'epochs=1', 'num_workers=0', 'scales=(1.0,)']
    wsis_train('cam', tmp_path/'out', recipe='paper', set=tiny)
    assert (tmp_path/'out'/'models'/'cam'/'cam.pth').exists()
    res = wsis_eval('cam', tmp_path/'out', split='val')
    assert {'mAP@0.25', 'mAP@0.5', 'mAP@0.7', 'mAP@0.75', 'ABO'} <= set(res), res
    assert all(0 <= res[k] <= 1 for k in ('mAP@0.5', 'ABO'))

# Your own data: `wsis-convert labels|points|boxes`, run as the console script

def photos(root, n=6):
    "`n` small PNGs (40x30 px and up) under `root/photos/`; their names relative to `root`"
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0); (root/'photos').mkdir(parents=True); names = []
    for i in range(n):
        a = rng.integers(0, 255, (30+2*i, 40+2*i, 3), dtype=np.uint8); a[5:15, 5:20] = (220, 30, 30*i)
        Image.fromarray(a).save(root/'photos'/f'p{i}.png'); names.append(f'photos/p{i}.png')
    return names

def test_own_labels_csv(tmp_path):
    names = photos(tmp_path/'src')
    (tmp_path/'src'/'photos'/'bad.png').write_bytes(b'junk')
    (tmp_path/'src'/'labels.csv').write_text('fname,labels\n' + ''.join(f'{n},{"cat dog" if i%2 else "cat"}\n' for i,n in enumerate(names))
                                            + 'photos/bad.png,cat\nphotos/none.png,dog\nphotos/p0.png,\n')
    r = run(tmp_path, 'labels', tmp_path/'src'/'labels.csv', tmp_path/'out', '--valid-pct', '0.34', '--seed', '1')
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'classes: cat, dog; 6 of 9 rows kept, 3 skipped' in r.stdout, r.stdout
    assert 'line 8: photos/bad.png: cannot read image' in r.stderr and 'line 9: photos/none.png: file not found' in r.stderr and 'line 10: photos/p0.png: no label' in r.stderr
    tr, va = CocoFolder(tmp_path/'out', 'train'), CocoFolder(tmp_path/'out', 'valid')
    assert (len(tr), len(va)) == (4, 2) and tr.classes == va.classes == ['cat', 'dog']
    assert sorted(im['file_name'] for im in tr.images+va.images) == names
    lab = {im['file_name']: [f.classes[k] for k in f.labels(i)] for f in (tr, va) for i,im in enumerate(f.images)}
    assert lab == {n: ['cat', 'dog'] if i%2 else ['cat'] for i,n in enumerate(names)}
    r2 = run(tmp_path, 'labels', tmp_path/'src'/'labels.csv', tmp_path/'out2', '--valid-pct', '0.34', '--seed', '1')
    assert sorted(im['file_name'] for im in CocoFolder(tmp_path/'out2', 'valid').images) == sorted(im['file_name'] for im in va.images)   # seeded

def test_own_label_folders_and_images_dir(tmp_path):
    names = photos(tmp_path/'src')
    for i,n in enumerate(names): (tmp_path/'byclass'/('dog' if i<2 else 'cat')).mkdir(parents=True, exist_ok=True); shutil.copy(tmp_path/'src'/n, tmp_path/'byclass'/('dog' if i<2 else 'cat')/f'{i}.png')
    r = run(tmp_path, 'labels', tmp_path/'byclass', tmp_path/'out', '--valid-pct', '0')
    assert r.returncode == 0, r.stderr[-2000:]
    tr = CocoFolder(tmp_path/'out', 'train')
    assert len(tr) == 6 and not (tmp_path/'out'/'annotations'/'instances_valid.json').exists()
    assert {im['file_name']: tr.classes[tr.labels(i)[0]] for i,im in enumerate(tr.images)} == {**{f'dog/{i}.png': 'dog' for i in range(2)}, **{f'cat/{i}.png': 'cat' for i in range(2, 6)}}
    (tmp_path/'ann').mkdir(); (tmp_path/'ann'/'b.csv').write_text('p1.png,2,3,30,20,cat\np2.png,10,10,60,20,dog\n')   # names relative to --images
    r = run(tmp_path, 'boxes', tmp_path/'ann'/'b.csv', tmp_path/'boxes', '--images', tmp_path/'src'/'photos', '--valid-pct', '0')
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'line 2: p2.png: box outside the image (10,10,60,20 in an image of 44x34, WxH)' in r.stderr
    b = CocoFolder(tmp_path/'boxes', 'train')
    assert b.classes == ['cat'] and b.instances(0).boxes.tolist() == [[2., 3., 30., 20.]] and b.info['supervision'] == 'boxes'

def test_own_points_and_refusals(tmp_path):
    photos(tmp_path/'src')
    (tmp_path/'src'/'pts.csv').write_text('photos/p0.png,3,4,cat\nphotos/p0.png,39.5,29,dog\nphotos/p1.png,5,50,cat\nphotos/p2.png,1,1,cat\n')
    r = run(tmp_path, 'points', tmp_path/'src'/'pts.csv', tmp_path/'pts', '--valid-pct', '0.5', '--classes', 'cat,dog')
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'line 3: photos/p1.png: point outside the image' in r.stderr
    f = CocoFolder(tmp_path/'pts', 'train'), CocoFolder(tmp_path/'pts', 'valid')
    pts = {im['file_name']: x.instances(i).points.tolist() for x in f for i,im in enumerate(x.images)}
    assert pts == {'photos/p0.png': [[3., 4.], [39.5, 29.]], 'photos/p2.png': [[1., 1.]]}
    (tmp_path/'src'/'bad.csv').write_text('fname,x,y,label\nphotos/p0.png,3,four,cat\n')
    for args, msg in [(('points', tmp_path/'src'/'bad.csv', tmp_path/'x'), "bad.csv line 2: the coordinates '3,four' are not numbers"),
                      (('boxes', tmp_path/'src'/'pts.csv', tmp_path/'x'), 'line 1 has 4 field(s), expected 6'),
                      (('labels', tmp_path/'nowhere.csv', tmp_path/'x'), 'not found'),
                      (('points', tmp_path/'src'/'pts.csv', tmp_path/'x', '--sbd', 'y'), '--sbd is for voc, not points'),
                      (('coco', tmp_path, tmp_path/'x', '--images', 'y'), '--images is for labels, points and boxes, not coco'),
                      (('points', tmp_path/'src'/'pts.csv', tmp_path/'coco-like', '--valid-pct', '1.5'), 'must be in [0, 1)')]:
        r = run(tmp_path, *args)
        assert r.returncode == 1 and msg in r.stderr and 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr[-2000:])
    assert not (tmp_path/'x').exists()

def test_own_labels_train_cam_without_masks(tmp_path):
    "A `valid` split of image-level labels only (no masks) trains an image-label method: its valid metric is the classifier's"
    from wsis_nb.apps.cli import wsis_train, predict
    from wsis_nb.data.images import ImageFiles
    names = photos(tmp_path/'src', n=8)
    (tmp_path/'src'/'labels.csv').write_text(''.join(f'{n},{"cat" if i%2 else "dog"}\n' for i,n in enumerate(names)))
    r = run(tmp_path, 'labels', tmp_path/'src'/'labels.csv', tmp_path/'out', '--valid-pct', '0.25')
    assert r.returncode == 0, r.stderr[-2000:]
    wsis_train('cam', tmp_path/'out', set=['arch=tiny', 'nf=8', 'sz=32', 'bs=4', 'epochs=1'])
    ck = tmp_path/'out'/'models'/'cam'/'cam.pth'
    assert ck.exists()
    preds = predict(ck, ImageFiles(tmp_path/'src'/'photos'), progress=False)
    assert len(preds) == 8 and [p.size for p in preds] == [(30+2*i, 40+2*i) for i in range(8)]
