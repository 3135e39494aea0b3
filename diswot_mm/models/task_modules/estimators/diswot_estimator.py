"""DisWOT: score a randomly initialised student by its similarity to a
teacher on one real minibatch, at the cost of one student forward."""
import math
import os.path as osp
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn

from diswot_mm.models.builder import build_model, load_model_config
from diswot_mm.models.functional import (SEMANTIC_VARIANTS, class_gram,
                                         class_similarity, gradcam_weights,
                                         relation_distance, relation_matrix)
from diswot_mm.registry import TASK_UTILS
from diswot_mm.utils.checkpoint import read_model_state
from .base_training_free import BaseTrainingFreeEstimator
from .batch_norm import batch_statistics
from .initialization import INIT_SCHEMES, derive_seed, random_init_
from .introspection import (classifier_forward, final_linear,
                            is_input_independent, spatial_map)

TEACHER_INITS = INIT_SCHEMES + ('pretrained', )


@TASK_UTILS.register_module()
class DisWOTEstimator(BaseTrainingFreeEstimator):
    """Training-free DisWOT score of a student for a given teacher.

    ``score(student)`` returns ``semantic`` (M_s), ``relation`` (M_r) and
    ``diswot = -(semantic_weight * M_s + relation_weight * M_r)`` (higher is
    better), averaged over ``repeats`` random initialisations, and
    ``ignores_input`` (1.0 when, for some repeat, the student gave the same
    features for every image). The maths is in
    :mod:`diswot_mm.models.functional.similarity`.

    Teacher quantities (relation matrix; Grad-CAM weights, their class
    similarity or class grams) are computed once per repeat at
    construction, never per candidate. The student is re-initialised in
    place from (seed, candidate, repeat), so a candidate gets the same
    score whatever the order, process or rank. On a GPU everything stays
    there: the minibatch and the teacher quantities are moved or computed
    once, the weights are drawn by the device's generator, and a
    candidate's only host round trip is its final scalars. Random
    networks run BatchNorm on batch statistics; no running statistics are
    updated. A non-finite score becomes ``-inf`` with a warning
    (``score(student, key=None)`` of :class:`BaseTrainingFreeEstimator`).

    Args:
        teacher (dict | str | nn.Module): The teacher: a built classifier,
            its model dict (diswot_mm's, or pasted from mmpretrain's zoo),
            the path of a config file whose ``model`` it is (relative to the
            search config or the working directory), a scoped path
            (``'mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py'``) or
            mmrazor's ``dict(cfg_path=..., pretrained=...)``; see
            :mod:`diswot_mm.models.builder`. Any mmpretrain classifier
            whose head ends in a linear layer: M_r compares its last
            backbone output (feature map, tokens, or a pooled / class-token
            vector), "grad" and "class" the input f of its final linear
            layer (ViT class token, ConvNeXt's in-backbone pooling), "cam"
            needs a map.
        teacher_ckpt (str, optional): Checkpoint of the teacher.
        init (str): Init of the random networks: ``'gaussian'`` (the
            paper's: conv/linear weights N(0, 1), biases 0, norm weight 1,
            bias 0) or ``'default'`` (PyTorch's). Defaults to ``'gaussian'``.
        teacher_init (str, optional): ``'pretrained'`` (the teacher from
            ``teacher_ckpt``, in eval mode) or one of the ``init`` schemes.
            Defaults to ``'pretrained'`` when ``teacher_ckpt`` is given, else
            to ``init``.
        semantic (str): ``'grad'`` (official code: per class, the C x C
            channel similarity of the Grad-CAM weights; needs equal final
            widths), ``'class'`` (the N x N class similarity of the same
            Grad-CAM weights; any widths: the one to use when they differ,
            docs/benchmarks.md) or ``'cam'`` (the paper's
            class-activation-map Gram; any widths, but near-constant, about
            2/N, with random 1000-class networks). Defaults to ``'grad'``.
        semantic_weight (float): Weight of M_s; 0 skips the term (reported
            as 0), so a teacher or student that cannot give it still
            ranks by M_r. Defaults to 1.
        relation_weight (float): Weight of M_r. Defaults to 1.
        dataloader (dict, optional): Dataloader config; its first batch is
            the minibatch. Defaults to the embedded 20 CIFAR-100 images.
        data_preprocessor (dict, optional): Preprocessor config applied to
            the batch. Defaults to CIFAR-100 normalisation.
        repeats (int): Random initialisations averaged. Defaults to 1.
        seed (int): Seed of all initialisations. Defaults to 0.
        device (str, optional): Where to run. Defaults to CUDA if available.
        reject_input_independent (bool): Score ``-inf`` (infeasible, with a
            warning) a student with ``ignores_input``: one whose pooled
            features are the same for every image of the minibatch, e.g. an
            NB201 cell whose output node is fed only by ``none`` edges (it
            outputs zeros). The official distances rank such a student near
            the top: a zero relation matrix is at distance 1/B of the
            teacher's, closer than most working networks. ``False`` scores
            it as the official code does. No S1 ResNet student is affected.
            Defaults to True.
    """

    score_name = 'diswot'

    #: What the distillation after the search needs (search_report.py):
    #: the teacher's model dict (None when given as a module), its
    #: checkpoint and the module path of its final linear layer.
    teacher_cfg: Optional[dict]
    teacher_ckpt: Optional[str]
    teacher_fc_name: str

    def __init__(self,
                 teacher: Union[dict, str, nn.Module],
                 teacher_ckpt: Optional[str] = None,
                 init: str = 'gaussian',
                 teacher_init: Optional[str] = None,
                 semantic: str = 'grad',
                 semantic_weight: float = 1.0,
                 relation_weight: float = 1.0,
                 dataloader: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 repeats: int = 1,
                 seed: int = 0,
                 device: Optional[str] = None,
                 reject_input_independent: bool = True):
        super().__init__(init, dataloader, data_preprocessor, seed, device)
        teacher, teacher_ckpt = self._build_teacher(teacher, teacher_ckpt)
        teacher_init = teacher_init or ('pretrained' if teacher_ckpt else init)
        if teacher_init not in TEACHER_INITS:
            raise ValueError(f'teacher_init supports {TEACHER_INITS}, but '
                             f'got {teacher_init!r}.')
        if teacher_init == 'pretrained' and not teacher_ckpt:
            raise ValueError('teacher_init="pretrained" needs teacher_ckpt '
                             '(the path of the trained teacher).')
        if semantic not in SEMANTIC_VARIANTS:
            raise ValueError(
                f'semantic supports {tuple(SEMANTIC_VARIANTS)}, but '
                f'got {semantic!r}.')
        if repeats < 1:
            raise ValueError(f'repeats must be >= 1, but got {repeats}.')
        self.teacher_init = teacher_init
        self.semantic = semantic
        self.semantic_weight = semantic_weight
        self.relation_weight = relation_weight
        self.repeats = repeats
        self.reject_input_independent = reject_input_independent
        fc = final_linear(teacher, self._teacher_name)
        self.teacher_width, self.num_classes = fc.in_features, fc.out_features
        self.teacher_ckpt = teacher_ckpt
        self.teacher_fc_name = next(name
                                    for name, m in teacher.named_modules()
                                    if m is fc)
        self._check_labels(self.num_classes, 'teacher')
        self._teacher_targets = self._teacher_quantities(teacher)

    def _build_teacher(self, teacher: Union[dict, str, nn.Module],
                       ckpt: Optional[str]) -> Tuple[nn.Module, Optional[str]]:
        """The teacher, with the weights of ``ckpt`` (or of its cfg_path's
        ``pretrained=True``) loaded, and that checkpoint."""
        key = 'train_cfg.estimator.teacher'
        self.teacher_cfg = None
        if isinstance(teacher, nn.Module):
            self._teacher_name = f'teacher {type(teacher).__name__}'
        else:
            resolved = load_model_config(teacher, config_key=key)
            self.teacher_cfg = resolved.cfg
            self._teacher_name = f'teacher {resolved.source}' + (
                f' ({teacher.get("type")})'
                if isinstance(teacher, dict) and 'type' in teacher else '')
            if ckpt and resolved.checkpoint:
                raise ValueError(
                    f'{key} names its weights (pretrained=True: '
                    f'{resolved.checkpoint}) and teacher_ckpt={ckpt!r} too: '
                    'give one of them.')
            ckpt = ckpt or resolved.checkpoint
            teacher = build_model(resolved.cfg, config_key=key)
        if ckpt:
            teacher.load_state_dict(
                read_model_state(teacher, ckpt,
                                 'train_cfg.estimator.teacher_ckpt'))
        return teacher.to(self.device).eval(), ckpt

    def _check_labels(self, num_classes: int, who: str) -> None:
        top = int(self.labels.max())
        if top >= num_classes:
            raise ValueError(
                f'the minibatch has label {top} but the {who} has only '
                f'{num_classes} classes: use a {who} head with num_classes '
                'matching the data set.')

    @torch.no_grad()
    def _teacher_quantities(self, teacher: nn.Module) -> List[dict]:
        """Per repeat: the teacher's relation matrix and semantic target."""
        targets = []
        for repeat in range(1 if self.teacher_init ==
                            'pretrained' else self.repeats):
            if self.teacher_init == 'pretrained':
                out = classifier_forward(teacher, self.inputs,
                                         self._teacher_name)
            else:
                random_init_(teacher, self.teacher_init,
                             derive_seed(self.seed, 'teacher', repeat))
                with batch_statistics(teacher):
                    out = classifier_forward(teacher, self.inputs,
                                             self._teacher_name)
            targets.append(
                dict(
                    relation=relation_matrix(out[0]),
                    semantic=self._semantic_target(teacher, *out,
                                                   self._teacher_name)))
        return targets * (self.repeats // len(targets))

    def _semantic_target(self, model: nn.Module, feat: torch.Tensor,
                         pooled: torch.Tensor, logits: torch.Tensor,
                         who: str) -> Optional[torch.Tensor]:
        """None when ``semantic_weight`` is 0 (the term is not computed)."""
        if not self.semantic_weight:
            return None
        if self.semantic == 'grad':
            return gradcam_weights(pooled, logits, self.labels)
        if self.semantic == 'class':
            return class_similarity(
                gradcam_weights(pooled, logits, self.labels))
        weight = final_linear(model, who).weight
        return class_gram(spatial_map(feat, weight.shape[1], who), weight)

    def _check_student(self, student: nn.Module) -> None:
        fc = final_linear(student, 'student')
        if fc.out_features != self.num_classes:
            raise ValueError(
                f'the student has {fc.out_features} classes but the teacher '
                f'has {self.num_classes}: give both heads the same '
                'num_classes.')
        if self.semantic == 'grad' and self.semantic_weight and \
                fc.in_features != self.teacher_width:
            raise ValueError(
                f'semantic="grad" needs equal final widths, but the teacher '
                f'has {self.teacher_width} channels and the student '
                f'{fc.in_features}: use semantic="class" (the class '
                'similarity of the same Grad-CAM weights, any widths; it '
                'varies across candidates where "cam" is near-constant with '
                '1000 classes, docs/benchmarks.md), or semantic_weight=0.')

    @torch.no_grad()
    def _score(self, student: nn.Module, key: str) -> Dict[str, float]:
        """``semantic``, ``relation`` (distances, lower is more similar) and
        ``diswot`` (higher is better), averaged over the repeats."""
        self._check_student(student)
        sem_distance = SEMANTIC_VARIANTS[self.semantic].distance
        per_repeat = []  # (M_s, M_r, ignores input), kept on the device
        for repeat, target in enumerate(self._teacher_targets):
            self.init_candidate(student, key, repeat)
            with batch_statistics(student):
                out = classifier_forward(student, self.inputs, 'student')
            semantic = (
                sem_distance(target['semantic'],
                             self._semantic_target(student, *out, 'student'))
                if target['semantic'] is not None else out[1].new_zeros(()))
            per_repeat.append(
                torch.stack([
                    semantic.double(),
                    relation_distance(target['relation'],
                                      relation_matrix(out[0])).double(),
                    is_input_independent(out[1]).double()
                ]))
        semantic, relation, ignores_input = 0.0, 0.0, False
        for sem, rel, ignores in torch.stack(per_repeat).tolist():  # 1 sync
            semantic += sem
            relation += rel
            ignores_input |= bool(ignores)
        semantic /= self.repeats
        relation /= self.repeats
        diswot = -(
            self.semantic_weight * semantic + self.relation_weight * relation)
        if ignores_input and self.reject_input_independent:
            diswot = -math.inf  # score() warns and records it infeasible
        return dict(
            semantic=semantic,
            relation=relation,
            diswot=diswot,
            ignores_input=float(ignores_input))

    def term_weights(self) -> Dict[str, float]:
        return dict(
            semantic=self.semantic_weight, relation=self.relation_weight)

    def distill_overrides(self, base_model: dict) -> dict:
        """What a distillation config's ``model`` takes from the search.

        The teacher the search scored with (its model dict and, when given,
        checkpoint) replaces the base config's; the teacher recorders of the
        base's final linear (``head.fc``) follow the teacher's; DisWOT+'s
        L_Ms (``loss_ms``) is the loss of the search's semantic variant
        (:data:`SEMANTIC_VARIANTS`: the same function as the metric), with
        the final linear weights recorded where it reads them, or dropped
        with ``semantic_weight=0``.
        """
        overrides = {}
        if self.teacher_cfg is not None:
            overrides['teacher'] = dict(_delete_=True, **self.teacher_cfg)
        if self.teacher_ckpt:
            ckpt = self.teacher_ckpt
            overrides['teacher_ckpt'] = osp.abspath(ckpt) if osp.isfile(
                ckpt) else ckpt
        distiller = base_model.get('distiller')
        if distiller is None:
            return overrides
        distiller = distiller.to_dict()
        fc = self.teacher_fc_name
        for recorder in distiller.get('teacher_recorders', {}).values():
            if recorder.get('source') == 'head.fc':
                recorder['source'] = fc
        losses = distiller.get('distill_losses', {})
        mappings = distiller.get('loss_forward_mappings', {})
        variant = SEMANTIC_VARIANTS[self.semantic]
        if losses.get('loss_ms', {}).get('type') == 'SemanticSimilarityLoss':
            if not self.semantic_weight:
                del losses['loss_ms'], mappings['loss_ms']
            else:
                losses['loss_ms']['type'] = variant.loss
            if self.semantic_weight and variant.needs_fc_weight:
                distiller['student_recorders']['fc_weight'] = dict(
                    type='Parameter', source='head.fc.weight')
                distiller['teacher_recorders']['fc_weight'] = dict(
                    type='Parameter', source=f'{fc}.weight')
                mappings['loss_ms'] = {
                    f'{key}_{who}':
                    dict(
                        from_student=who == 'S',
                        recorder=recorder,
                        **(dict(data_idx=-1) if recorder == 'feat' else {}))
                    for who in ('S', 'T')
                    for key, recorder in (('feat', 'feat'), ('weight',
                                                             'fc_weight'))
                }
        overrides['distiller'] = dict(_delete_=True, **distiller)
        return overrides
