//! Writing the knowledge base as an agent: a category added where they are listed; an article
//! written in Markdown beside its preview, its draft surviving a reload, a blank title refused
//! at its field; published for customers (the portal then has it), a file added, the article
//! read with its state.

use super::*;

async fn agent_writes_an_article(backend: TestBackend) {
    let (app, _registry) = spa(backend).await;
    let agent = app.user(Role::Agent, Some(1), None).await;
    let (_, contact) = org_with_contact(&app, &agent, "Reader").await;
    let customer = app.user(Role::Portal, None, Some(contact)).await;

    let (_driver, c) = browser().await;
    c.goto(&app.url("/kb")).await.unwrap();
    sign_in(&c, &agent).await;
    find(&c, "[data-test=kb-list]").await;
    type_in(
        &c,
        "[data-test=kb-new-category] input[name=category-name]",
        "Printers\n",
    )
    .await;
    text_until(&c, "[data-test=kb-categories]", |t| t.contains("Printers")).await;

    click(&c, "[data-test=kb-new]").await;
    find(&c, "[data-test=kb-editor]").await;
    type_in(
        &c,
        "[data-test=kb-editor] textarea[name=body]",
        "# Steps\n\n1. Open tray 2\n2. Pull the sheet out",
    )
    .await;
    // The preview is the server's rendering of what is typed.
    text_until(&c, "[data-test=kb-preview] h1", |t| t == "Steps").await;
    let items = texts(&c, "[data-test=kb-preview] li").await;
    assert_eq!(items, ["Open tray 2", "Pull the sheet out"]);
    // Saved without a title: refused at its field, nothing lost.
    click(&c, "[data-test=kb-save]").await;
    let refused = text_until(&c, "[data-test=kb-editor] [data-test=field-error]", |t| {
        !t.is_empty()
    })
    .await;
    assert!(!refused.is_empty());
    type_in(
        &c,
        "[data-test=kb-editor] input[name=title]",
        "Clearing a paper jam",
    )
    .await;
    let printers = find(
        &c,
        "[data-test=kb-editor] select[name=category] option:nth-child(2)",
    )
    .await;
    assert_eq!(printers.text().await.unwrap(), "Printers");
    printers.click().await.unwrap();
    click(&c, "[data-test=kb-editor] input[name=published]").await;
    click(&c, "[data-test=kb-editor] input[name=for-customers]").await;
    // A reload keeps the draft.
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.refresh().await.unwrap();
    let title = find(&c, "[data-test=kb-editor] input[name=title]").await;
    assert_eq!(
        title.prop("value").await.unwrap().as_deref(),
        Some("Clearing a paper jam")
    );
    text_until(&c, "[data-test=kb-preview] h1", |t| t == "Steps").await;
    click(&c, "[data-test=kb-save]").await;

    // The article as agents read it, with its state; the portal has it now.
    text_until(&c, "[data-test=kb-article-page] h1", |t| {
        t == "Clearing a paper jam"
    })
    .await;
    text_until(&c, "[data-test=kb-status]", |t| t == "Published").await;
    text_until(&c, "[data-test=kb-visibility]", |t| t == "Customers too").await;
    let (_, portal) = app.get("/api/v1/portal/kb/articles", &customer.token).await;
    assert_eq!(
        portal["items"][0]["title"], "Clearing a paper jam",
        "{portal}"
    );
    screenshot(&c, backend, "kb-article").await;

    // A file, added while editing.
    click(&c, "[data-test=kb-edit]").await;
    find(&c, "[data-test=kb-editor] [data-test=file-input]").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jam.txt");
    std::fs::write(&file, "Open tray 2, pull gently.").unwrap();
    find(&c, "[data-test=kb-editor] [data-test=file-input]")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    text_until(&c, "[data-test=upload]", |t| {
        t.contains("jam.txt") && t.contains('✓')
    })
    .await;
    screenshot(&c, backend, "kb-editor").await;
    let (_, articles) = app.get("/api/v1/kb/articles", &agent.token).await;
    let id = articles["items"][0]["id"].as_i64().unwrap();
    c.goto(&app.url(&format!("/kb/{id}"))).await.unwrap();
    text_until(&c, "[data-test=kb-files]", |t| t.contains("jam.txt")).await;
    // Listed with its state.
    c.goto(&app.url("/kb")).await.unwrap();
    let rows = count_until(&c, "[data-test=kb-row]", 1).await;
    assert!(
        rows[0].contains("Clearing a paper jam") && rows[0].contains("Published"),
        "{rows:?}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn agent_writes_an_article_sqlite() {
    agent_writes_an_article(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn agent_writes_an_article_postgres() {
    agent_writes_an_article(TestBackend::Postgres).await;
}
