//! Lists of the admin pages a page at a time: `?page=N` from 0, capped so a huge
//! number neither overflows nor reaches the database, with links to the pages around.

/// The last page one may ask for.
const LAST_PAGE: u64 = 10_000;

pub struct Paging {
    page: u64,
    size: u64,
}

/// Links to the pages before and after, when there are any.
pub struct Around {
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Paging {
    pub fn new(page: u64, size: u64) -> Paging {
        Paging { page: page.min(LAST_PAGE), size }
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        self.page * self.size
    }

    /// Rows to read: one more than a page, to tell whether another follows.
    pub fn limit(&self) -> u64 {
        self.size + 1
    }

    /// Cuts what was read to a page; `link` writes the address of a page.
    pub fn cut<T>(&self, found: &mut Vec<T>, link: impl Fn(u64) -> String) -> Around {
        let more = found.len() as u64 > self.size;
        found.truncate(usize::try_from(self.size).unwrap_or(usize::MAX));
        Around {
            previous: (self.page > 0).then(|| link(self.page - 1)),
            next: (more && self.page < LAST_PAGE).then(|| link(self.page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_cut_and_linked() {
        let link = |page: u64| format!("?page={page}");
        let mut found: Vec<u64> = (0..26).collect();
        let first = Paging::new(0, 25);
        let around = first.cut(&mut found, link);
        assert_eq!((found.len(), around.previous, around.next.as_deref()), (25, None, Some("?page=1")));
        let huge = Paging::new(u64::MAX, 25);
        assert_eq!(huge.offset(), 250_000, "capped, never overflowing");
        let mut last = vec![1, 2];
        let around = Paging::new(3, 25).cut(&mut last, link);
        assert_eq!((around.previous.as_deref(), around.next), (Some("?page=2"), None));
    }
}
