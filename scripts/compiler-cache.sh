# Sourced by scripts/test and scripts/test-tsan: compile through ccache when it is installed
# (scripts/setup.sh installs it), keyed on paths relative to the checkout, so a fresh clone
# (CI's) reuses the objects of earlier builds of the same sources. Applies to a build tree's
# first configure (CMake reads these variables then).
if command -v ccache >/dev/null 2>&1; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
