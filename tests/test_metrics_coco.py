"Cross-check `wsis_nb.blocks.metrics` against pycocotools where the two protocols coincide."
import numpy as np, torch, pytest
from pycocotools import mask as mask_utils
from wsis_nb.core import Instances, masks_to_rle
from wsis_nb.blocks.metrics import map_r, coco_eval, mask_iou_bits, pair_iou

def _grid_scenes(n_img=12, n_cls=3, cell=32, grid=2, n_pred=6, seed=0):
    """Scenes where each ground-truth disc sits alone in a cell of a grid and each prediction stays inside one cell.
    A prediction then overlaps at most one instance, so VOC matching (best instance, duplicates are FP)
    and COCO matching (best *unmatched* instance) give the same TP/FP flags."""
    rng = np.random.default_rng(seed); S = cell*grid
    yy,xx = np.mgrid[:S,:S]
    def disc(cx, cy, r, cx0, cy0):
        m = (xx-cx)**2+(yy-cy)**2 < r**2
        inside = (xx>=cx0)&(xx<cx0+cell)&(yy>=cy0)&(yy<cy0+cell)
        return m & inside
    preds,gts = [],[]
    for _ in range(n_img):
        gm,gl,pm,pl = [],[],[],[]
        for k in range(grid*grid):
            cx0,cy0 = (k%grid)*cell, (k//grid)*cell
            cx,cy,r = cx0+rng.uniform(10,22), cy0+rng.uniform(10,22), rng.uniform(5,9)
            has = rng.random()<.7
            c = int(rng.integers(n_cls))
            if has: gm.append(disc(cx,cy,r,cx0,cy0)); gl.append(c)
            for _ in range(int(rng.integers(0,3))):          # jittered copies (and duplicates), sometimes of another class
                m = disc(cx+rng.normal(0,1.5), cy+rng.normal(0,1.5), r+rng.normal(0,1), cx0, cy0)
                if m.any(): pm.append(m); pl.append(c if rng.random()<.8 else int(rng.integers(n_cls)))
        pm,pl = pm[:n_pred*2],pl[:n_pred*2]
        gts.append(Instances(torch.tensor(np.array(gm)).reshape(-1,S,S), labels=gl))
        preds.append(Instances(torch.tensor(np.array(pm)).reshape(-1,S,S), labels=pl, scores=rng.random(len(pl))))
    return preds,gts

@pytest.fixture(scope='module')
def scenes(): return _grid_scenes()

def test_mask_iou_matches_pycocotools(scenes):
    p,g = scenes[0][1],scenes[1][1]
    ref = mask_utils.iou(masks_to_rle(p.masks), masks_to_rle(g.masks), [0]*len(g))
    np.testing.assert_allclose(mask_iou_bits(p.masks, g.masks).numpy(), np.asarray(ref).reshape(len(p),len(g)), atol=1e-6)

@pytest.mark.parametrize('iou_type', ['segm','bbox'])
def test_ap_matches_cocoeval(scenes, iou_type):
    preds,gts = scenes
    coco = coco_eval(preds, gts, iou_type=iou_type, cat_ids=[1,2,3])
    thrs = np.linspace(.5, .95, 10)
    ours = map_r(preds, gts, iou_thrs=thrs, n_cls=3, iou_type=iou_type, rec_pts=101)
    aps = [ours[f'mAP@{t:g}'] for t in torch.tensor(thrs, dtype=torch.float).tolist()]
    assert 0 < coco['AP50'] < 1                       # a non-trivial case
    np.testing.assert_allclose(aps[0], coco['AP50'], atol=1e-6)
    np.testing.assert_allclose(aps[5], coco['AP75'], atol=1e-6)
    np.testing.assert_allclose(np.mean(aps), coco['AP'], atol=1e-6)

@pytest.mark.parametrize('iou_type', ['segm','bbox'])
def test_negative_images_match_cocoeval(iou_type):
    "Images with predictions but no ground truth (first, middle, last): their predictions are FPs in both protocols"
    preds,gts = _grid_scenes(n_img=9, seed=3)
    for i in (0, 4, 8): gts[i] = Instances(torch.zeros(0,*gts[i].size,dtype=torch.bool), labels=[])
    assert all(len(preds[i]) for i in (0, 4, 8))                # the negative images do carry predictions
    coco = coco_eval(preds, gts, iou_type=iou_type, cat_ids=[1,2,3])
    ours = map_r(preds, gts, iou_thrs=[.5, .75], n_cls=3, iou_type=iou_type, rec_pts=101)
    assert 0 < coco['AP50'] < 1
    np.testing.assert_allclose(ours['mAP@0.5'], coco['AP50'], atol=1e-6)
    np.testing.assert_allclose(ours['mAP@0.75'], coco['AP75'], atol=1e-6)
    kept = [i for i in range(9) if i not in (0, 4, 8)]           # dropping the negative images can only raise AP
    assert map_r([preds[i] for i in kept], [gts[i] for i in kept], iou_thrs=[.5], n_cls=3, iou_type=iou_type, rec_pts=101)['mAP@0.5'] > ours['mAP@0.5']

def test_perfect_and_empty(scenes):
    gts = scenes[1]
    perfect = [Instances(g.masks, g.labels, scores=torch.rand(len(g))) for g in gts]
    for t in ('segm','bbox'): assert coco_eval(perfect, gts, iou_type=t)['AP'] == 1.
    assert all(v == 1. for k,v in map_r(perfect, gts).items() if k.startswith('mAP'))
    empty = [Instances(torch.zeros(0,*g.size,dtype=torch.bool), labels=[]) for g in gts]
    assert coco_eval(empty, gts)['AP'] == 0. and map_r(empty, gts)['mAP@0.5'] == 0.

def test_errors(scenes):
    preds,gts = scenes
    with pytest.raises(ValueError, match='iou_type'): pair_iou(preds[0], gts[0], 'keypoints')
    with pytest.raises(ValueError, match='one of each per image'): coco_eval(preds, gts[:-1])
