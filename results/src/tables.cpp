// The field order of each table row (tables.hpp): one Field per column, in column order.
#include "peerlab/results/tables.hpp"

namespace peerlab::results {

void BlockRow::WriteTo(CsvWriter& csv) const {
  csv.Field(id).Field(height).Field(parent).Field(miner_group).Field(miner_node);
  csv.Field(mined_at_s).Field(main_chain).Field(size_bytes);
  for (const std::optional<double>& reach : reach_s) csv.Field(reach);
  csv.Field(partition_side);
}

void NodeRow::WriteTo(CsvWriter& csv) const {
  csv.Field(node).Field(region).Field(as).Field(group).Field(hashrate).Field(online);
}

void TestbedNodeRow::WriteTo(CsvWriter& csv) const {
  node.WriteTo(csv);
  csv.Field(address).Field(mine_mean_s).Field(tip_height).Field(exit);
}

void EdgeRow::WriteTo(CsvWriter& csv) const { csv.Field(source).Field(target).Field(type); }

void ReachRow::WriteTo(CsvWriter& csv) const { csv.Field(block).Field(node).Field(after_us); }

void TransactionRow::WriteTo(CsvWriter& csv) const {
  csv.Field(id).Field(tx_class).Field(origin_node).Field(created_at_s).Field(size_bytes);
  csv.Field(fee_sat).Field(reach_50_s).Field(reach_90_s).Field(included_height);
  csv.Field(inclusion_delay_s).Field(inclusion_delay_blocks);
}

void HeightRow::WriteTo(CsvWriter& csv) const {
  csv.Field(height).Field(round).Field(proposer).Field(proposed_s).Field(first_commit_s);
  csv.Field(to_50_s).Field(to_90_s).Field(to_99_s).Field(to_all_s);
  csv.Field(committed_by).Field(txs).Field(evidence).Field(bytes).Field(proposer_group);
}

void DaemonBlockRow::WriteTo(CsvWriter& csv) const {
  csv.Field(id).Field(height).Field(parent).Field(miner).Field(mined_at_s);
  csv.Field(accepted_at_s).Field(accepted_unix_s).Field(size_bytes);
}

void DaemonPeerRow::WriteTo(CsvWriter& csv) const {
  csv.Field(closed_at_s).Field(peer).Field(address).Field(direction).Field(handshake);
  csv.Field(misbehavior).Field(bytes_in).Field(bytes_out).Field(connected_s).Field(reason);
}

}  // namespace peerlab::results
