//! Argon2id password hashing on a fixed set of threads, one per core, each reusing
//! one memory buffer: a hash needs ~19 MiB and a core, so this bounds both the CPU
//! and the memory sign-ins take (cores × 19 MiB), whatever the load. Requests
//! queue for a thread in arrival order. A scrypt hash carried over from Mana Core Auth
//! is checked on the same threads (32 MiB of its own, once per account: the sign-in
//! replaces it).

use std::sync::{Arc, Mutex, mpsc};

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, ParamsString, SaltString},
};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use super::scrypt_hash;
use crate::config::PasswordsConfig;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2 parameters: {0}")]
    Params(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing task failed")]
    Task,
}

/// What an account without a password stores (one that signed in through another
/// provider only): no password verifies against it; a reset sets one.
pub const NO_PASSWORD: &str = "!";

/// Work for a hashing thread, given that thread's memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

#[derive(Clone)]
pub struct Passwords {
    params: Params,
    jobs: mpsc::Sender<Job>,
    /// A hash of a random password, verified against when the user does not exist,
    /// so unknown and known emails take the same time.
    dummy_hash: Arc<String>,
}

/// Lowers the calling thread's scheduling priority (nice 19, on Linux per thread), so
/// that a hash in progress gives way to cheap requests sharing its core: sign-ins still
/// use every idle cycle, and discovery or token requests do not queue behind them.
fn yield_to_requests() {
    // No pid: `setpriority(PRIO_PROCESS, 0, …)`, which on Linux is the calling thread.
    if rustix::process::setpriority_process(None, 19).is_err() {
        tracing::debug!("could not lower the priority of a hashing thread");
    }
}

impl Passwords {
    pub fn new(config: &PasswordsConfig) -> Result<Self, PasswordError> {
        let params = Params::new(config.memory_kib, config.iterations, config.parallelism, None)
            .map_err(|e| PasswordError::Params(e.to_string()))?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..cores {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    yield_to_requests();
                    // Grown on the first hash, kept for every later one.
                    let mut memory = Vec::new();
                    loop {
                        let job = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| PasswordError::Hash(e.to_string()))?;
        }
        let dummy_hash = hash_with(&params, &crate::security::opaque::new_secret(), &mut Vec::new())?;
        Ok(Passwords { params, jobs, dummy_hash: Arc::new(dummy_hash) })
    }

    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let params = self.params.clone();
        self.run(move |memory| hash_with(&params, &password, memory)).await?
    }

    /// Verifies `password` against `stored`: our Argon2id, or a scrypt hash carried over
    /// from Mana Core Auth. With no user, or a stored value that is no hash (an account
    /// without a password), it checks against a dummy hash and fails in the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, PasswordError> {
        let stored = stored.filter(|s| s.starts_with("$argon2") || scrypt_hash::is_scrypt(s));
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let ok = self
            .run(move |memory| {
                if scrypt_hash::is_scrypt(&stored) {
                    scrypt_hash::verify(&password, &stored)
                } else {
                    verify_with(&password, &stored, memory)
                }
            })
            .await?;
        Ok(known && ok)
    }

    /// Whether `stored` is our normal hash (Argon2id); any other is replaced at the next
    /// sign-in that proves the password.
    pub fn is_current(stored: &str) -> bool {
        stored.starts_with("$argon2id$")
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let (done, result) = oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move |memory| {
            let _ = done.send(span.in_scope(|| work(memory)));
        });
        self.jobs.send(job).map_err(|_| PasswordError::Task)?;
        result.await.map_err(|_| PasswordError::Task)
    }
}

/// Argon2id into `memory`, grown first if `params` need more than it holds.
fn argon2_into(
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> Result<(), PasswordError> {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, salt, out, memory.as_mut_slice())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of a new hash.
fn hash_with(params: &Params, password: &str, memory: &mut Vec<Block>) -> Result<String, PasswordError> {
    let failed = |e: argon2::password_hash::Error| PasswordError::Hash(e.to_string());
    let salt_bytes = crate::security::opaque::random_bytes(16);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(failed)?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    argon2_into(params, password.as_bytes(), &salt_bytes, &mut out, memory)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(hash.to_string())
}

/// Checks `password` against a stored PHC string with the parameters it names.
fn verify_with(password: &str, stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&parsed), parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let mut out = vec![0u8; expected.len()];
    let params = Params::new(params.m_cost(), params.t_cost(), params.p_cost(), Some(expected.len()));
    params.is_ok_and(|params| argon2_into(&params, password.as_bytes(), salt, &mut out, memory).is_ok())
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passwords() -> Passwords {
        Passwords::new(&PasswordsConfig { memory_kib: 1024, iterations: 1, parallelism: 1 }).expect("passwords")
    }

    #[tokio::test]
    async fn hashes_verify_and_interoperate_with_the_reference_encoder() {
        let passwords = passwords();
        let hash = passwords.hash("correct horse battery".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
        assert!(passwords.verify("correct horse battery".into(), Some(hash.clone())).await.expect("verify"));
        assert!(!passwords.verify("wrong horse battery".into(), Some(hash)).await.expect("verify"));
        assert!(!passwords.verify("anything".into(), None).await.expect("verify"), "no user, no match");
        assert!(!passwords.verify("anything".into(), Some("not a hash".into())).await.expect("verify"));

        // A hash written by the argon2 crate's own encoder, with other parameters.
        use argon2::PasswordHasher;
        let salt = SaltString::encode_b64(b"sixteen byte slt").expect("salt");
        let params = Params::new(2048, 2, 1, None).expect("params");
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"another passphrase", &salt)
            .expect("hash")
            .to_string();
        assert!(passwords.verify("another passphrase".into(), Some(reference.clone())).await.expect("verify"));
        assert!(!passwords.verify("another passphras".into(), Some(reference)).await.expect("verify"));
        let ours = passwords.hash("third passphrase".into()).await.expect("hash");
        let parsed = PasswordHash::new(&ours).expect("PHC");
        use argon2::PasswordVerifier;
        assert!(Argon2::default().verify_password(b"third passphrase", &parsed).is_ok(), "the reference verifies ours");
    }
}
