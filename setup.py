"""Packaging beyond what pyproject.toml can say: the zoo ships inside the package.

``architectures/`` stays at the top of a checkout (``cnncalc analyze architectures/vgg16.yaml``
is README's first command), and is installed as ``cnncalc/architectures/`` so that an
installed cnncalc finds zoo networks by name (``cnncalc analyze resnet50``) as a checkout does.
pyproject.toml's ``packages.find`` cannot map a folder outside the package into it, hence this
file; every other setting lives in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["cnncalc", "cnncalc.*"]), "cnncalc.architectures"],
    package_dir={"cnncalc.architectures": "architectures"},
    package_data={"cnncalc": ["py.typed"], "cnncalc.architectures": ["*.yaml", "**/*.yaml"]},
)
