// A button with data-print prints the page (the print stylesheet hides the app's chrome).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
