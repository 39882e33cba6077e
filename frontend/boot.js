// Starts the app: loads the wasm (content-hashed names, filled in by scripts/build-frontend.sh)
// and takes the loading skeleton away once the app has mounted. A separate file, not an inline
// script, so the page's Content-Security-Policy can refuse every inline script.
import init from "__APP_JS__";

const skeleton = document.getElementById("boot");
try {
  await init({ module_or_path: "__APP_WASM__" });
  skeleton?.remove();
} catch (err) {
  console.error(err);
  if (skeleton) {
    skeleton.setAttribute("role", "alert");
    skeleton.textContent =
      "The app could not load. Check the connection and reload the page. / " +
      "Приложение не загрузилось. Проверьте соединение и обновите страницу.";
    skeleton.classList.add("boot-failed");
  }
}
