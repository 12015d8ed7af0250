// The retry policy's decisions, table-driven: each status x idempotency x attempt, transport
// failures, Retry-After in both forms, garbage, and waits beyond the deadline.

#include <gtest/gtest.h>

#include "sdk/retry_policy.hpp"

namespace loginid::detail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Kind = TransportError::Reason;

const TimePoint kNow{seconds(1'795'910'400)};  // 2026-11-29T00:00:00Z

RetryOptions three_attempts() {
  RetryOptions options;
  options.max_attempts = 3;
  options.initial_backoff = milliseconds(100);
  options.max_backoff = milliseconds(1'000);
  options.multiplier = 2.0;
  return options;
}

AttemptOutcome with_status(int status, Idempotency idem, int attempt) {
  AttemptOutcome o;
  o.attempt = attempt;
  o.idempotency = idem;
  o.status = status;
  o.now = kNow;
  o.deadline = kNow + seconds(10);
  return o;
}

AttemptOutcome with_failure(Kind kind, Idempotency idem, int attempt) {
  AttemptOutcome o;
  o.attempt = attempt;
  o.idempotency = idem;
  o.transport_error = kind;
  o.now = kNow;
  o.deadline = kNow + seconds(10);
  return o;
}

TEST(RetryPolicy, StatusTimesIdempotencyTimesAttempt) {
  const RetryPolicy policy(three_attempts());
  const int statuses[] = {200, 204, 400, 401, 403, 404, 408, 409, 410, 413, 429, 500, 501, 502, 503, 504, 505};
  for (int status : statuses) {
    const bool retryable_status =
        status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    for (auto idem : {Idempotency::safe, Idempotency::creates}) {
      for (int attempt = 1; attempt <= 4; ++attempt) {
        const auto decision = policy.decide(with_status(status, idem, attempt), 0.5);
        const bool expected = retryable_status && idem == Idempotency::safe && attempt < 3;
        EXPECT_EQ(decision.retry, expected) << "status " << status << " creates=" << (idem == Idempotency::creates)
                                            << " attempt " << attempt << " reason " << decision.reason;
      }
    }
  }
}

TEST(RetryPolicy, TransportFailureKindTimesIdempotency) {
  const RetryPolicy policy(three_attempts());
  struct Row {
    Kind kind;
    Idempotency idem;
    bool retry;
  };
  const Row rows[] = {
      {Kind::connect_failed, Idempotency::safe, true},     {Kind::connect_failed, Idempotency::creates, true},
      {Kind::timeout, Idempotency::safe, true},            {Kind::timeout, Idempotency::creates, false},
      {Kind::io_failed, Idempotency::safe, true},          {Kind::io_failed, Idempotency::creates, false},
      {Kind::refused_locally, Idempotency::safe, false},   {Kind::refused_locally, Idempotency::creates, false},
      {Kind::tls_failed, Idempotency::safe, false},        {Kind::tls_failed, Idempotency::creates, false},
      // A server that sent more than the SDK accepts would send it again.
      {Kind::response_too_large, Idempotency::safe, false}, {Kind::response_too_large, Idempotency::creates, false},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(policy.decide(with_failure(row.kind, row.idem, 1), 0.5).retry, row.retry)
        << "kind " << static_cast<int>(row.kind) << " creates=" << (row.idem == Idempotency::creates);
    EXPECT_FALSE(policy.decide(with_failure(row.kind, row.idem, 3), 0.5).retry) << "attempts exhausted";
  }
}

TEST(RetryPolicy, SingleAttemptNeverRetries) {
  auto options = three_attempts();
  options.max_attempts = 1;
  const RetryPolicy policy(options);
  EXPECT_FALSE(policy.decide(with_status(503, Idempotency::safe, 1), 0.5).retry);
  EXPECT_FALSE(policy.decide(with_failure(Kind::connect_failed, Idempotency::safe, 1), 0.5).retry);
}

TEST(RetryPolicy, ExponentialBackoffCappedWithFullJitter) {
  const RetryPolicy policy(three_attempts());
  EXPECT_EQ(policy.backoff_cap(1), milliseconds(100));
  EXPECT_EQ(policy.backoff_cap(2), milliseconds(200));
  EXPECT_EQ(policy.backoff_cap(3), milliseconds(400));
  EXPECT_EQ(policy.backoff_cap(5), milliseconds(1'000));    // capped
  EXPECT_EQ(policy.backoff_cap(500), milliseconds(1'000));  // no overflow
  auto many = three_attempts();
  many.max_attempts = 10;
  const RetryPolicy long_policy(many);
  // Full jitter: the delay is jitter * cap, anywhere from 0 to the cap.
  EXPECT_EQ(long_policy.decide(with_status(503, Idempotency::safe, 2), 0.0).delay, milliseconds(0));
  EXPECT_EQ(long_policy.decide(with_status(503, Idempotency::safe, 2), 0.5).delay, milliseconds(100));
  EXPECT_EQ(long_policy.decide(with_status(503, Idempotency::safe, 2), 1.0).delay, milliseconds(200));
  EXPECT_EQ(long_policy.decide(with_status(503, Idempotency::safe, 7), 1.0).delay, milliseconds(1'000));
  EXPECT_EQ(long_policy.decide(with_status(503, Idempotency::safe, 2), 7.0).delay, milliseconds(200));  // clamped
}

TEST(RetryPolicy, RetryAfterSecondsReplacesBackoff) {
  const RetryPolicy policy(three_attempts());
  auto outcome = with_status(429, Idempotency::safe, 1);
  outcome.retry_after = "2";
  const auto decision = policy.decide(outcome, 0.5);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay, milliseconds(2'000));
  EXPECT_EQ(decision.reason, "Retry-After");
}

TEST(RetryPolicy, RetryAfterHttpDate) {
  const RetryPolicy policy(three_attempts());
  auto outcome = with_status(503, Idempotency::safe, 1);
  outcome.retry_after = "Sun, 29 Nov 2026 00:00:03 GMT";  // kNow + 3 s
  const auto decision = policy.decide(outcome, 0.5);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay, milliseconds(3'000));
}

TEST(RetryPolicy, RetryAfterDateInThePastMeansNow) {
  const RetryPolicy policy(three_attempts());
  auto outcome = with_status(503, Idempotency::safe, 1);
  outcome.retry_after = "Sat, 28 Nov 2026 23:00:00 GMT";
  const auto decision = policy.decide(outcome, 0.5);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay, milliseconds(0));
}

TEST(RetryPolicy, GarbageRetryAfterFallsBackToBackoff) {
  const RetryPolicy policy(three_attempts());
  for (const char* garbage : {"soon", "-5", "1.5", "", "Sun, 32 Nov 2026 00:00:03 GMT", "Sun, 29 Foo 2026 00:00:03 GMT",
                              "29 Nov 2026 00:00:03", "12abc"}) {
    auto outcome = with_status(503, Idempotency::safe, 1);
    outcome.retry_after = garbage;
    const auto decision = policy.decide(outcome, 1.0);
    EXPECT_TRUE(decision.retry) << garbage;
    EXPECT_EQ(decision.delay, milliseconds(100)) << garbage;
    EXPECT_NE(decision.reason, "Retry-After") << garbage;
  }
}

TEST(RetryPolicy, RetryAfterBeyondDeadlineStops) {
  const RetryPolicy policy(three_attempts());
  for (const char* far : {"11", "99999999999999999999", "Sun, 29 Nov 2026 01:00:00 GMT"}) {
    auto outcome = with_status(429, Idempotency::safe, 1);
    outcome.retry_after = far;
    const auto decision = policy.decide(outcome, 0.5);
    EXPECT_FALSE(decision.retry) << far;
    EXPECT_EQ(decision.reason, "deadline") << far;
  }
}

TEST(RetryPolicy, BackoffBeyondDeadlineStops) {
  const RetryPolicy policy(three_attempts());
  auto outcome = with_status(503, Idempotency::safe, 1);
  outcome.deadline = kNow + milliseconds(50);
  EXPECT_FALSE(policy.decide(outcome, 1.0).retry);  // 100 ms wait > 50 ms left
  EXPECT_TRUE(policy.decide(outcome, 0.1).retry);   // 10 ms wait fits
}

TEST(RetryPolicy, RetryAfterIgnoredWhenDisabled) {
  auto options = three_attempts();
  options.honour_retry_after = false;
  const RetryPolicy policy(options);
  auto outcome = with_status(429, Idempotency::safe, 1);
  outcome.retry_after = "5";
  EXPECT_EQ(policy.decide(outcome, 1.0).delay, milliseconds(100));
}

TEST(RetryPolicy, RetryAfterNeverRepeatsACreate) {
  const RetryPolicy policy(three_attempts());
  auto outcome = with_status(429, Idempotency::creates, 1);
  outcome.retry_after = "1";
  EXPECT_FALSE(policy.decide(outcome, 0.5).retry);
}

TEST(ParseRetryAfter, AllThreeDateFormsAndSeconds) {
  const TimePoint expected = kNow + seconds(3);
  EXPECT_EQ(parse_retry_after("Sun, 29 Nov 2026 00:00:03 GMT", kNow), expected);
  EXPECT_EQ(parse_retry_after("Sunday, 29-Nov-26 00:00:03 GMT", kNow), expected);
  EXPECT_EQ(parse_retry_after("Sun Nov 29 00:00:03 2026", kNow), expected);
  EXPECT_EQ(parse_retry_after("Sun Nov  1 00:00:03 2026", kNow), expected - std::chrono::hours(24 * 28));
  EXPECT_EQ(parse_retry_after(" 3 ", kNow), expected);
  EXPECT_EQ(parse_retry_after("0", kNow), kNow);
  EXPECT_FALSE(parse_retry_after("Sun, 29 Nov 2026 25:00:03 GMT", kNow));
  EXPECT_FALSE(parse_retry_after("Sun, 29 Nov 2026 00:00:03 UTC", kNow));
  EXPECT_FALSE(parse_retry_after(std::string(100, '1'), kNow));
}

}  // namespace
}  // namespace loginid::detail
