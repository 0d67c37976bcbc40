// ItemList, the small vector inside pooled messages: contents must survive the move from the
// inline array to the heap buffer and back when a pooled slot is reused.
#include "peerlab/bitcoin/item_list.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace peerlab::bitcoin {
namespace {

std::vector<std::uint32_t> Contents(const ItemList& l) { return {l.begin(), l.end()}; }

std::vector<std::uint32_t> Iota(std::uint32_t n, std::uint32_t from) {
  std::vector<std::uint32_t> v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}

TEST(ItemList, PushBackAcrossTheInlineLimitKeepsEveryItem) {
  for (std::uint32_t n : {0u, 1u, ItemList::kInline, ItemList::kInline + 1, 3 * ItemList::kInline,
                          1000u}) {
    ItemList l;
    for (std::uint32_t i = 0; i < n; ++i) l.push_back(100 + i);
    EXPECT_EQ(l.size(), n);
    EXPECT_EQ(Contents(l), Iota(n, 100)) << "n=" << n;
    if (n > 0) {
      EXPECT_EQ(l.front(), 100u);
      EXPECT_EQ(l.back(), 100 + n - 1);
    }
  }
}

TEST(ItemList, ReuseAfterClearSwitchesBetweenInlineAndHeap) {
  ItemList l;
  for (std::uint32_t round = 0; round < 6; ++round) {
    // Alternate long and short lists, as a pooled message slot sees them.
    const std::uint32_t n = round % 2 == 0 ? 37 + round : 2 + round % 3;
    l.clear();
    for (std::uint32_t i = 0; i < n; ++i) l.push_back(round * 1000 + i);
    EXPECT_EQ(Contents(l), Iota(n, round * 1000)) << "round " << round;
    const std::vector<std::uint32_t> source = Iota(n + 3, 7 + round);
    l.assign(source.begin(), source.end());
    EXPECT_EQ(Contents(l), source);
    l.push_back(5);
    EXPECT_EQ(l.back(), 5u);
    EXPECT_EQ(l.size(), n + 4);
  }
}

TEST(ItemList, CopyAssignmentAndEquality) {
  ItemList a;
  a = {1, 2, 3};
  ItemList b = a;
  EXPECT_TRUE(a == b);
  b.push_back(4);
  EXPECT_FALSE(a == b);
  for (std::uint32_t i = 5; i < 20; ++i) b.push_back(i);
  ItemList c;
  c = b;
  EXPECT_EQ(Contents(c), Iota(19, 1));
  EXPECT_TRUE(c == b);
  c[18] = 0;
  EXPECT_FALSE(c == b);
  const std::span<const std::uint32_t> view = b;
  EXPECT_EQ(view.size(), 19u);
  EXPECT_EQ(view[18], 19u);
}

}  // namespace
}  // namespace peerlab::bitcoin
