// TimeByReplay (runtime/gpu/replay_timing.h), how kAuto times two paths: a
// clear difference is decided after kClearRounds rounds, a close call takes
// all kTimingRounds, and TimeOne times with the rounds it is given (0: one).
#include "runtime/gpu/replay_timing.h"

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <utility>

#include "absl/status/status.h"
#include "cuda/cuda_status.h"
#include "cuda/resources.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

constexpr size_t kSmall = 4 << 10;    // a memset of 4 KiB: a few us
constexpr size_t kLarge = 256 << 20;  // of 256 MiB: tens of us on any GPU

struct Rig {
  cuda::Stream stream;
  cuda::Event start, end;
  cuda::DeviceBuffer buffer;
  // One run: a memset of `bytes` of the buffer.
  auto Memset(size_t bytes) {
    return [this, bytes]() -> absl::Status {
      SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(buffer.data(), 0, bytes, stream.get()));
      return absl::OkStatus();
    };
  }
  static absl::StatusOr<Rig> Create() {
    SF_ASSIGN_OR_RETURN(cuda::Stream stream, cuda::Stream::Create(0));
    SF_ASSIGN_OR_RETURN(cuda::Event start, cuda::Event::Create(0));
    SF_ASSIGN_OR_RETURN(cuda::Event end, cuda::Event::Create(0));
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer buffer, cuda::DeviceBuffer::Create(0, kLarge));
    return Rig{std::move(stream), std::move(start), std::move(end), std::move(buffer)};
  }
};

TEST(ReplayTimingTest, ClearDifferenceIsDecidedEarly) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(Rig rig, Rig::Create());
  ASSERT_OK_AND_ASSIGN(ReplayTiming t, TimeByReplay(rig.stream.get(), rig.start, rig.end,
                                                    rig.Memset(kSmall), rig.Memset(kLarge)));
  ASSERT_TRUE(t.ok) << t.why;
  EXPECT_EQ(t.rounds, kClearRounds);
  EXPECT_TRUE(t.a_wins());
  EXPECT_LT(t.a_us * kClearMargin, t.b_us);
  // The same the other way round.
  ASSERT_OK_AND_ASSIGN(ReplayTiming u, TimeByReplay(rig.stream.get(), rig.start, rig.end,
                                                    rig.Memset(kLarge), rig.Memset(kSmall)));
  ASSERT_TRUE(u.ok) << u.why;
  EXPECT_EQ(u.rounds, kClearRounds);
  EXPECT_FALSE(u.a_wins());
}

TEST(ReplayTimingTest, CloseCallTakesEveryRound) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(Rig rig, Rig::Create());
  // The same work on both sides: never 1.25x apart in every round.
  ASSERT_OK_AND_ASSIGN(ReplayTiming t, TimeByReplay(rig.stream.get(), rig.start, rig.end,
                                                    rig.Memset(kLarge), rig.Memset(kLarge)));
  ASSERT_TRUE(t.ok) << t.why;
  EXPECT_EQ(t.rounds, kTimingRounds);
  EXPECT_GT(t.a_us, 0.0);
  EXPECT_GT(t.b_us, 0.0);
}

TEST(ReplayTimingTest, TimeOneTakesAnyRoundCount) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(Rig rig, Rig::Create());
  for (int rounds : {0, 1, 3, kTimingRounds}) {
    ASSERT_OK_AND_ASSIGN(double us,
                         TimeOne(rig.stream.get(), rig.start, rig.end, rig.Memset(kLarge), rounds));
    EXPECT_GT(us, 0.0) << rounds << " rounds";
  }
}

}  // namespace
}  // namespace sf
