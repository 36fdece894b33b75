use super::*;

fn lockout(threshold: u64) -> LockoutConfig {
    LockoutConfig { threshold, base_secs: 30, max_secs: 900, forget_after_secs: 3600 }
}

#[test]
fn locks_start_at_the_threshold_and_double_up_to_the_cap() {
    let config = lockout(5);
    let locks: Vec<_> = (1..=11).map(|n| lock_secs(&config, n)).collect();
    assert_eq!(
        locks,
        [None, None, None, None, Some(30), Some(60), Some(120), Some(240), Some(480), Some(900), Some(900)]
    );
    assert_eq!(lock_secs(&config, u64::MAX), Some(900));
    assert_eq!(lock_secs(&lockout(0), 100), None, "threshold 0 turns lockout off");
}

fn limiter(threshold: u64) -> Limiter {
    let rate = RateLimitConfig {
        window_secs: 60,
        signin_per_ip: 0,
        signin_per_account: 0,
        register_per_ip: 0,
        token_per_ip: 0,
        token_per_client: 0,
        reset_per_ip: 0,
        reset_per_account: 0,
        mfa_per_ip: 0,
        mfa_per_account: 0,
        device_codes_per_ip: 0,
        pages_per_ip: 0,
    };
    Limiter::with(Box::new(memory::MemoryCounters::default()), &rate, &lockout(threshold))
}

#[tokio::test]
async fn a_window_allows_its_limit_then_refuses_with_the_time_left() {
    let limiter = limiter(5);
    for _ in 0..3 {
        assert_eq!(limiter.check("signin", Subject::Ip("192.0.2.1"), 3).await, Ok(()));
    }
    let refused = limiter.check("signin", Subject::Ip("192.0.2.1"), 3).await.expect_err("fourth refused");
    assert!((1..=60).contains(&refused.retry_after));
    assert_eq!(limiter.check("signin", Subject::Ip("192.0.2.2"), 3).await, Ok(()), "another address");
    assert_eq!(limiter.check("token", Subject::Ip("192.0.2.1"), 3).await, Ok(()), "another action");
    assert_eq!(limiter.check("signin", Subject::Ip("192.0.2.1"), 0).await, Ok(()), "0 is no limit");
}

#[tokio::test]
async fn failures_lock_an_account_by_any_spelling_and_success_clears_them() {
    let limiter = limiter(2);
    assert_eq!(limiter.sign_in_failed("Ada@Example.org").await, None);
    assert_eq!(limiter.sign_in_failed(" ada@example.org").await, Some(30));
    assert!(limiter.check_unlocked("ada@example.org").await.is_err());
    assert_eq!(limiter.check_unlocked("bob@example.org").await, Ok(()));
    limiter.sign_in_succeeded("ada@example.org").await;
    assert_eq!(limiter.check_unlocked("ada@example.org").await, Ok(()));
    assert_eq!(limiter.sign_in_failed("ada@example.org").await, None, "the count starts over");
}
