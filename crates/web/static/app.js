// Progressive enhancement only: every page works without this file.
// Move focus to the error summary so screen reader and keyboard users hear the problem first
// (browsers that honour `autofocus` on it already have).
document.addEventListener('DOMContentLoaded', function () {
  var summary = document.querySelector('[data-module="error-summary"]');
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
  if (summary) {
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a[href^="#"]');
      if (!link) return;
      var input = document.getElementById(link.getAttribute('href').slice(1));
      if (input) {
        event.preventDefault();
        input.focus();
        input.scrollIntoView({ block: 'center' });
      }
    });
  }
});
