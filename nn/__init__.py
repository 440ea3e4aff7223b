"""nn: modules, layers, optimisers and training tools on top of autograd_lite.

The package is filled in step by step; for now it only makes sure
``import nn`` works beside ``import autograd_lite``.
"""
