// The listening half of embed-example.html (kept out of the page so a strict CSP can forbid inline scripts).
window.received = [];
window.addEventListener('duijie:shortlist', function (event) {
  window.received.push(event.detail.items);
  var list = document.getElementById('shortlist');
  list.textContent = '';
  event.detail.items.forEach(function (item) {
    var entry = document.createElement('li');
    entry.textContent = item.title + ' — ' + item.organization + ' (' + item.id + ')';
    list.appendChild(entry);
  });
});
