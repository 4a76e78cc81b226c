//! Listings a page at a time: each call does bounded work, however many users or tokens exist.

/// How many items one page of a listing holds: 1 to [`PageSize::MAX`].
///
/// A listing is read by keyset: each page starts after the last item of the one before it,
/// in the listing's order, so that a page costs the same whether it is the first or the
/// thousandth, and items added or removed meanwhile neither repeat nor shift the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageSize(u16);

impl PageSize {
    /// The largest page: 1000 items.
    pub const MAX: PageSize = PageSize(1000);
    /// A page size for callers without a preference: 100 items.
    pub const DEFAULT: PageSize = PageSize(100);

    /// `items` as a page size; `None` unless it is 1 to [`MAX`](Self::MAX).
    #[must_use]
    pub fn new(items: usize) -> Option<PageSize> {
        u16::try_from(items)
            .ok()
            .filter(|&items| (1..=Self::MAX.0).contains(&items))
            .map(PageSize)
    }

    /// How many items a page holds.
    #[must_use]
    pub fn get(self) -> usize {
        usize::from(self.0)
    }

    /// How many items to fetch for a page: one more than it holds, to learn whether another
    /// page follows without a second query.
    pub(crate) fn fetched(self) -> usize {
        self.get() + 1
    }
}

impl Default for PageSize {
    /// [`PageSize::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One page of a listing, in the listing's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// At most the [`PageSize`] asked for.
    pub items: Vec<T>,
    /// Whether more items follow the last one: ask for the page after it to read them.
    pub more: bool,
}

impl<T> Page<T> {
    /// The page of `size` from `fetched`, the first [`PageSize::fetched`] items of the listing
    /// from the page's start: an item beyond `size` only says that another page follows.
    pub(crate) fn cut(mut fetched: Vec<T>, size: PageSize) -> Self {
        let more = fetched.len() > size.get();
        fetched.truncate(size.get());
        Self {
            items: fetched,
            more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_one_to_a_thousand() {
        for refused in [0, 1001, 65_536 + 100, usize::MAX] {
            assert_eq!(PageSize::new(refused), None, "{refused}");
        }
        for accepted in [1, 100, 1000] {
            assert_eq!(PageSize::new(accepted).map(PageSize::get), Some(accepted));
        }
        assert_eq!(PageSize::default().get(), 100);
        assert_eq!(PageSize::MAX.get(), 1000);
    }

    #[test]
    fn an_extra_item_means_more() {
        let size = PageSize::new(2).unwrap();
        assert_eq!(
            Page::cut(vec![1, 2, 3], size),
            Page {
                items: vec![1, 2],
                more: true
            }
        );
        assert_eq!(
            Page::cut(vec![1, 2], size),
            Page {
                items: vec![1, 2],
                more: false
            }
        );
        assert_eq!(
            Page::cut(Vec::<u8>::new(), size),
            Page {
                items: vec![],
                more: false
            }
        );
    }
}
