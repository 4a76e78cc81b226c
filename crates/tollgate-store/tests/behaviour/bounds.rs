//! Bounded work per call, on every backend: listings a page at a time.

use tollgate_scope::Role;
use tollgate_store::{PageSize, Storage, TokenId, TokenService};

use crate::cases::{create, service, t0, user, with_users};

fn size(items: usize) -> PageSize {
    PageSize::new(items).unwrap()
}

/// Every user's name, read `per_page` at a time by following each page's last user; and
/// whether each page but the last said that more follow.
async fn every_user<S: Storage>(service: &TokenService<S>, per_page: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut after = None;
    loop {
        let page = service.users(after.as_ref(), size(per_page)).await.unwrap();
        assert!(page.items.len() <= per_page);
        names.extend(page.items.iter().map(|u| u.name.to_string()));
        after = page.items.last().map(|u| u.name.clone());
        if !page.more {
            return names;
        }
        assert_eq!(page.items.len(), per_page, "a page before the last is full");
    }
}

pub(crate) async fn users_are_listed_a_page_at_a_time<S: Storage>(storage: S) {
    let service = service(storage);
    // Created out of order, in mixed case: listed by name ignoring case.
    for name in ["dave", "Bob", "eve", "alice", "Carol", "frank"] {
        service
            .create_user(user(name), Role::Reader, t0())
            .await
            .unwrap();
    }
    let sorted = ["alice", "Bob", "Carol", "dave", "eve", "frank"];
    for per_page in [1, 2, 3, 4, 5, 6, 7, 1000] {
        assert_eq!(every_user(&service, per_page).await, sorted, "{per_page}");
    }
    // A full last page says that nothing follows.
    let first = service.users(None, size(6)).await.unwrap();
    assert_eq!((first.items.len(), first.more), (6, false));
    // After a name that is no user's, the listing goes on where that name would be.
    let page = service.users(Some(&user("BZZ")), size(2)).await.unwrap();
    let names: Vec<_> = page.items.iter().map(|u| u.name.as_str()).collect();
    assert_eq!((names, page.more), (vec!["Carol", "dave"], true));
    let past_the_end = service.users(Some(&user("zz")), size(2)).await.unwrap();
    assert_eq!((past_the_end.items.len(), past_the_end.more), (0, false));
}

pub(crate) async fn tokens_are_listed_a_page_at_a_time<S: Storage>(storage: S) {
    let service = with_users(storage).await;
    // Alice's and Bob's tokens interleaved: each listing holds its owner's only.
    let mut alices = Vec::new();
    for index in 0..5 {
        alices.push(
            create(&service, "alice", &format!("a{index}"))
                .await
                .record
                .id,
        );
        create(&service, "bob", &format!("b{index}")).await;
    }
    let alice = user("ALICE");
    for per_page in [1, 2, 3, 5, 6] {
        let mut seen: Vec<TokenId> = Vec::new();
        let mut after = None;
        loop {
            let page = service
                .list_tokens(&alice, after, size(per_page))
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|token| token.id));
            assert!(
                page.items
                    .iter()
                    .all(|token| token.owner.as_str() == "alice")
            );
            after = seen.last().copied();
            if !page.more {
                break;
            }
        }
        assert_eq!(seen, alices, "{per_page}");
    }
    // A page may start after a token that was deleted meanwhile.
    service.delete_token(alices[1], &alice, t0()).await.unwrap();
    let page = service
        .list_tokens(&alice, Some(alices[1]), size(2))
        .await
        .unwrap();
    let ids: Vec<_> = page.items.iter().map(|token| token.id).collect();
    assert_eq!((ids, page.more), (vec![alices[2], alices[3]], true));
}
