from .arch_codec import (ArchCodec, MutatorArchCodec, SearchSpaceMixin,
                         arch_codec, name_unaliased_mutables)
from .imagenet_resnet import SearchableImageNetResNet
from .nas_bench_201 import NASBench201, arch_to_index, index_to_arch
from .s1_cifar_resnet import SearchableCIFARResNet
from .search_space import SearchSpace
from .utils import (alias_to_choices, choices_to_alias, mutable_choices,
                    subnet_network)

__all__ = [
    'ArchCodec', 'MutatorArchCodec', 'NASBench201', 'SearchSpaceMixin',
    'arch_codec', 'name_unaliased_mutables', 'SearchableCIFARResNet',
    'SearchableImageNetResNet', 'SearchSpace', 'alias_to_choices',
    'arch_to_index', 'choices_to_alias', 'index_to_arch', 'mutable_choices',
    'subnet_network'
]
