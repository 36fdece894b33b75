use super::*;

const DAY: i64 = 86_400;
const POLICY: Policy = Policy { rotate_after: 90 * DAY, prepublish: DAY, retire_after: 3_720 };

fn key(
    kid: &str,
    alg: &str,
    status: &str,
    created_at: i64,
    activated_at: Option<i64>,
    retired_at: Option<i64>,
) -> StoredKey {
    StoredKey {
        kid: kid.into(),
        alg: alg.into(),
        status: status.into(),
        private_der: vec![],
        public_jwk: "{}".into(),
        created_at,
        activated_at,
        retired_at,
    }
}

fn actives(at: i64) -> Vec<StoredKey> {
    vec![key("ed1", "EdDSA", "active", at, Some(at), None), key("rs1", "RS256", "active", at, Some(at), None)]
}

#[test]
fn young_keys_need_nothing() {
    assert!(plan(&actives(0), 10 * DAY, POLICY).is_empty());
}

#[test]
fn the_next_key_is_published_a_prepublish_period_before_it_signs() {
    let now = 89 * DAY;
    assert_eq!(
        plan(&actives(0), now, POLICY),
        vec![Action::CreateNext(SigningAlg::EdDSA), Action::CreateNext(SigningAlg::RS256)]
    );
    let mut keys = actives(0);
    keys.push(key("ed2", "EdDSA", "next", now, None, None));
    keys.push(key("rs2", "RS256", "next", now, None, None));
    assert!(plan(&keys, now + DAY - 1, POLICY).is_empty(), "not before it was published a full period");
    assert_eq!(
        plan(&keys, now + DAY, POLICY),
        vec![Action::Promote(SigningAlg::EdDSA, "ed2".into()), Action::Promote(SigningAlg::RS256, "rs2".into())]
    );
}

#[test]
fn retired_keys_stay_published_until_their_tokens_expired() {
    let mut keys = actives(100);
    keys.push(key("old", "EdDSA", "retired", 0, Some(0), Some(100)));
    assert!(plan(&keys, 100 + 3_719, POLICY).is_empty());
    assert_eq!(plan(&keys, 100 + 3_720, POLICY), vec![Action::Delete("old".into())]);
}
