// Laplacian spectra. Small graphs: every eigenvalue of the dense Laplacian (Eigen's symmetric
// QR). Large graphs: Lanczos (Spectra) on a shifted, deflated operator so the wanted smallest
// nonzero eigenvalue becomes the largest one, using only sparse products: shift-invert would
// need a factorization of the Laplacian, and random overlays fill in almost completely.
#include <algorithm>
#include <cmath>
#include <exception>

#include <Eigen/Dense>
#include <Spectra/SymEigsSolver.h>

#include "peerlab/analysis/graph.hpp"

namespace peerlab::analysis {

namespace {

// y = P (c I - M) P x with P the projection orthogonal to the unit vector `null` (M's known
// eigenvector for eigenvalue 0). On the complement of `null` the eigenvalues are c - lambda_i,
// so the largest is c - lambda_2; `null` itself maps to 0 and cannot be returned first.
//   Laplacian:            M = D - A,                      null = 1 / sqrt(n)
//   normalized Laplacian: M = I - D^-1/2 A D^-1/2,        null = D^1/2 1 / sqrt(2m)
class DeflatedShiftedLaplacian {
 public:
  using Scalar = double;

  DeflatedShiftedLaplacian(const Graph& graph, bool normalized, double shift)
      : graph_(graph), normalized_(normalized), shift_(shift), null_(graph.node_count()),
        scale_(graph.node_count()) {
    const NodeId n = graph.node_count();
    double norm = 0;
    for (NodeId v = 0; v < n; ++v) {
      const double d = graph.Degree(v);
      null_[v] = normalized ? std::sqrt(d) : 1.0;
      scale_[v] = normalized ? 1.0 / std::sqrt(d) : 1.0;
      norm += null_[v] * null_[v];
    }
    null_ /= std::sqrt(norm);
  }

  Eigen::Index rows() const { return graph_.node_count(); }
  Eigen::Index cols() const { return graph_.node_count(); }

  void perform_op(const double* x_in, double* y_out) const {
    const NodeId n = graph_.node_count();
    Eigen::Map<const Eigen::VectorXd> x(x_in, n);
    Eigen::Map<Eigen::VectorXd> y(y_out, n);
    const Eigen::VectorXd px = x - null_ * null_.dot(x);
    for (NodeId v = 0; v < n; ++v) {
      double adjacent = 0;
      for (NodeId w : graph_.Neighbors(v)) adjacent += scale_[w] * px[w];
      adjacent *= scale_[v];
      // (M x)_v: Laplacian d_v x_v - sum x_w; normalized x_v - sum x_w / sqrt(d_v d_w).
      const double diagonal = normalized_ ? 1.0 : static_cast<double>(graph_.Degree(v));
      y[v] = shift_ * px[v] - (diagonal * px[v] - adjacent);
    }
    y -= null_ * null_.dot(y);
  }

 private:
  const Graph& graph_;
  bool normalized_;
  double shift_;
  Eigen::VectorXd null_, scale_;
};

struct Eigenpair {
  double value = 0;
  Eigen::VectorXd vector;
};

// Second-smallest eigenvalue (and its eigenvector) of a connected graph's (normalized)
// Laplacian, or nullopt when Lanczos did not converge.
std::optional<Eigenpair> SecondSmallestByLanczos(const Graph& graph, bool normalized) {
  std::uint32_t max_degree = 0;
  for (NodeId v = 0; v < graph.node_count(); ++v) {
    max_degree = std::max(max_degree, graph.Degree(v));
  }
  // Upper bounds on the largest eigenvalue: 2 dmax (Gershgorin) and 2 (normalized).
  const double shift = normalized ? 2.0 : 2.0 * max_degree;
  DeflatedShiftedLaplacian op(graph, normalized, shift);
  const Eigen::Index n = graph.node_count();
  const Eigen::Index ncv = std::min<Eigen::Index>(n - 1, 40);
  Spectra::SymEigsSolver<DeflatedShiftedLaplacian> solver(op, 1, ncv);
  try {
    solver.init();
    solver.compute(Spectra::SortRule::LargestAlge, 5000, 1e-12);
  } catch (const std::exception&) {
    return std::nullopt;  // reported as not converged, never a crash
  }
  if (solver.info() != Spectra::CompInfo::Successful) return std::nullopt;
  return Eigenpair{shift - solver.eigenvalues()[0], solver.eigenvectors().col(0)};
}

std::vector<double> ToStdVector(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

}  // namespace

Spectrum ComputeSpectrum(const Graph& graph, const Components& components,
                         std::uint32_t dense_limit) {
  Spectrum result;
  const NodeId n = graph.node_count();
  const bool connected = n >= 2 && components.count == 1;
  // Lanczos needs a subspace of a few vectors; tiny graphs are always dense.
  constexpr NodeId kAlwaysDense = 16;
  if (n <= std::max(dense_limit, kAlwaysDense)) {
    result.method = "dense";
    Eigen::MatrixXd laplacian = Eigen::MatrixXd::Zero(n, n);
    for (auto [u, v] : graph.edges()) {
      laplacian(u, v) = laplacian(v, u) = -1.0;
      laplacian(u, u) += 1.0;
      laplacian(v, v) += 1.0;
    }
    const bool tiny = n <= kAlwaysDense;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(
        laplacian, tiny ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
    PEERLAB_ASSERT(solver.info() == Eigen::Success);
    const Eigen::VectorXd values = solver.eigenvalues();
    result.laplacian_eigenvalues.assign(values.data(), values.data() + n);
    if (!connected) return result;  // lambda_2 = 0: a zero eigenvalue per component
    result.algebraic_connectivity = values[1];
    if (tiny) result.fiedler_vector = ToStdVector(solver.eigenvectors().col(1));
    // Normalized Laplacian D^-1/2 L D^-1/2 (every degree >= 1 in a connected graph).
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < n; ++j) {
        laplacian(i, j) /= std::sqrt(graph.Degree(i) * static_cast<double>(graph.Degree(j)));
      }
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> normalized(laplacian, Eigen::EigenvaluesOnly);
    PEERLAB_ASSERT(normalized.info() == Eigen::Success);
    result.spectral_gap = normalized.eigenvalues()[1];
    // The Fiedler vector only orders nodes for the resilience sweep: Lanczos is enough, and
    // cheaper than dense eigenvectors at a couple of thousand nodes.
    if (n > kAlwaysDense) {
      if (auto pair = SecondSmallestByLanczos(graph, false)) {
        result.fiedler_vector = ToStdVector(pair->vector);
      }
    }
    return result;
  }
  result.method = "lanczos";
  if (!connected) return result;
  const auto fiedler = SecondSmallestByLanczos(graph, false);
  const auto gap = SecondSmallestByLanczos(graph, true);
  result.converged = fiedler.has_value() && gap.has_value();
  result.algebraic_connectivity = fiedler ? fiedler->value : std::nan("");
  result.spectral_gap = gap ? gap->value : std::nan("");
  if (fiedler) result.fiedler_vector = ToStdVector(fiedler->vector);
  return result;
}

}  // namespace peerlab::analysis
