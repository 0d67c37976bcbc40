"""Builds the peerlab wheel: the package python/peerlab, the shipped scenarios (installed as
peerlab/scenarios) and the compiled module _peerlab, which CMake builds from this checkout
(docs/python.md "Installing with pip"). The metadata is in pyproject.toml.

    /usr/bin/python3 -m venv --system-site-packages ENV
    ENV/bin/pip install --no-build-isolation --no-index .

Everything the build writes stays under build/ (ignored by git): setuptools' staging and
egg-info in build/setuptools, the CMake tree in build/wheel, kept between installs so that a
second `pip install .` only recompiles what changed. PEERLAB_WHEEL_BUILD_DIR moves the CMake
tree elsewhere; CMAKE_ARGS (space-separated) adds options to its configure step, e.g.
`CMAKE_ARGS=-DPEERLAB_WITH_NS3=OFF`; CMAKE_BUILD_PARALLEL_LEVEL sets the compile jobs.
"""
import glob
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))
STAGING = os.path.join(ROOT, "build", "setuptools")


def project_version() -> str:
    """The version in CMakeLists.txt's project(), which the C++ build reports too."""
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        match = re.search(r"project\(peerlab\s+VERSION\s+([0-9.]+)", f.read())
    if not match:
        sys.exit("setup.py: no `project(peerlab VERSION x.y.z` in CMakeLists.txt")
    return match.group(1)


class BuildPyWithScenarios(build_py):
    """The package plus a copy of scenarios/ as peerlab/scenarios, so an installed peerlab has
    the shipped scenarios (peerlab.shipped_scenario, `peerlab reproduce`) without a checkout."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "peerlab", "scenarios")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "scenarios"), target)


class CMakeBuildExt(build_ext):
    """Builds the CMake target _peerlab (and only what it links) in Release and puts the module
    where setuptools expects the extension."""

    def build_extension(self, ext):
        if self.inplace or getattr(self, "editable_mode", False):
            sys.exit("setup.py: no in-place build of _peerlab (`pip install -e`, build_ext "
                     "--inplace): a module copied into python/ would shadow the one the "
                     "checkout builds into build/release/python. For a venv that follows the "
                     "checkout use scripts/setup.sh's .venv (docs/python.md); otherwise "
                     "`pip install --no-build-isolation --no-index .` again after a change")
        build_dir = os.path.abspath(os.environ.get("PEERLAB_WHEEL_BUILD_DIR")
                                    or os.path.join(ROOT, "build", "wheel"))
        env = dict(os.environ)
        configure = [
            "cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja",
            # The release preset's flags (CMakePresets.json), so the module computes what the
            # checkout's build computes and ccache can share its objects.
            "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O2",
            "-DPEERLAB_BUILD_TESTS=OFF", "-DPEERLAB_BUILD_BENCH=OFF", "-DPEERLAB_BUILD_FUZZ=OFF",
            "-DPEERLAB_WITH_PYTHON=ON",
            # The interpreter running this build is the one that will import the module.
            f"-DPEERLAB_PYTHON_EXECUTABLE={sys.executable}",
        ]
        if shutil.which("ccache"):
            # As scripts/compiler-cache.sh: paths relative to the checkout, so the objects of
            # build/release (or of another checkout of the same sources) are reused.
            configure += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache",
                          "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
            env.setdefault("CCACHE_BASEDIR", os.path.commonpath([ROOT, build_dir]))
            env.setdefault("CCACHE_NOHASHDIR", "1")
        configure += shlex.split(env.get("CMAKE_ARGS", ""))
        for tool in ("cmake", "ninja"):
            if not shutil.which(tool):
                sys.exit(f"setup.py: `{tool}` not found: the module is built with CMake and "
                         "Ninja (Debian packages cmake and ninja-build; scripts/setup.sh)")
        subprocess.run(configure, check=True, env=env)
        subprocess.run(["cmake", "--build", build_dir, "--target", "_peerlab"], check=True,
                       env=env)
        built = glob.glob(os.path.join(build_dir, "python", "_peerlab*.so"))
        if len(built) != 1:
            sys.exit(f"setup.py: expected one {build_dir}/python/_peerlab*.so after the build, "
                     f"found {built or 'none'} (did CMake find pybind11 and Python? "
                     "Debian packages pybind11-dev python3-dev)")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


if importlib.util.find_spec("wheel") is None:  # bdist_wheel, the command pip's build runs
    sys.exit("setup.py: the Python package `wheel` is missing: make the venv with "
             "`/usr/bin/python3 -m venv --system-site-packages ENV` so that it sees Debian's "
             "python3-wheel, numpy, pandas, ... (docs/python.md \"Installing with pip\")")
os.makedirs(STAGING, exist_ok=True)  # egg_info wants its egg_base to exist
setup(
    version=project_version(),
    package_dir={"": "python"},
    packages=["peerlab", "peerlab.reproduce"],
    ext_modules=[Extension("_peerlab", sources=[])],
    cmdclass={"build_py": BuildPyWithScenarios, "build_ext": CMakeBuildExt},
    # Out of the source folders: staging and metadata under build/ (see the docstring).
    options={"build": {"build_base": STAGING}, "egg_info": {"egg_base": STAGING}},
)
