// ItemList: the list inside a pooled Message (block handles, transaction handles, indexes or
// addresses), a small vector of 32-bit items.
//
// Why not std::vector: almost every message the engine delivers names one to four items (a
// `headers` or `cmpctblock` announcing a new tip, a `getdata` for it), and with a vector the
// receiving node's first read of the message went to a separate heap block: a cache miss per
// delivery, the largest single cost in the profile of a 10,000-node run. Up to kInline items
// live inside the message's cache line; longer lists use a heap buffer that the pooled slot
// keeps (with its capacity) for later messages, so after warm-up nothing is allocated.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>

#include "peerlab/util/assert.hpp"

namespace peerlab::bitcoin {

class ItemList {
 public:
  using value_type = std::uint32_t;
  static constexpr std::uint32_t kInline = 4;

  ItemList() = default;
  ItemList(const ItemList& other) { *this = other; }
  ItemList& operator=(const ItemList& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  ItemList& operator=(std::initializer_list<std::uint32_t> items) {
    assign(items.begin(), items.end());
    return *this;
  }

  std::uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::uint32_t* data() const { return size_ <= kInline ? inline_ : heap_.get(); }
  std::uint32_t* data() { return size_ <= kInline ? inline_ : heap_.get(); }
  const std::uint32_t* begin() const { return data(); }
  const std::uint32_t* end() const { return data() + size_; }
  std::uint32_t* begin() { return data(); }
  std::uint32_t* end() { return data() + size_; }
  std::uint32_t operator[](std::size_t i) const { return data()[i]; }
  std::uint32_t& operator[](std::size_t i) { return data()[i]; }
  std::uint32_t front() const { return data()[0]; }
  std::uint32_t back() const { return data()[size_ - 1]; }
  operator std::span<const std::uint32_t>() const { return {data(), size_}; }

  void clear() { size_ = 0; }

  void push_back(std::uint32_t item) {
    if (size_ < kInline) {
      inline_[size_++] = item;
      return;
    }
    if (size_ == kInline) {
      Reserve(2 * kInline);
      std::memcpy(heap_.get(), inline_, sizeof(inline_));  // moving to the heap buffer
    } else if (size_ == heap_capacity_) {
      Grow(2 * size_);
    }
    heap_[size_++] = item;
  }

  template <typename It>
  void assign(It first, It last) {
    const auto n = static_cast<std::uint32_t>(std::distance(first, last));
    if (n > kInline) Reserve(n);
    size_ = n;
    std::copy(first, last, data());
  }

  friend bool operator==(const ItemList& a, const ItemList& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  // Room for n items in the heap buffer (contents not kept: callers fill it afterwards).
  void Reserve(std::uint32_t n) {
    if (n <= heap_capacity_) return;
    heap_capacity_ = std::max(n, 2 * heap_capacity_);
    heap_ = std::make_unique_for_overwrite<std::uint32_t[]>(heap_capacity_);
  }
  void Grow(std::uint32_t n) {  // as Reserve, keeping the first size_ items
    PEERLAB_ASSERT(n > heap_capacity_);
    auto bigger = std::make_unique_for_overwrite<std::uint32_t[]>(n);
    std::memcpy(bigger.get(), heap_.get(), size_ * sizeof(std::uint32_t));
    heap_ = std::move(bigger);
    heap_capacity_ = n;
  }

  std::uint32_t size_ = 0;
  std::uint32_t heap_capacity_ = 0;
  std::uint32_t inline_[kInline];
  std::unique_ptr<std::uint32_t[]> heap_;
};
static_assert(sizeof(ItemList) == 32);

}  // namespace peerlab::bitcoin
