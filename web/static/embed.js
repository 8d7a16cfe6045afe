// duijie widget embed: a portal pastes
//   <script src="https://HOST/embed.js" data-region="440000" data-kinds="expert,achievement" async></script>
// and gets the widget in an iframe from the duijie origin, sized to its content. The page can listen:
//   window.addEventListener('duijie:shortlist', (event) => console.log(event.detail.items));
// and set the need text: document.querySelector('iframe[data-duijie]').duijieSetNeed('锂电池热失控');
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var widgetOrigin = new URL(script.src).origin;
  var query = new URLSearchParams();
  query.set('embed', '1');
  query.set('parent', window.location.origin);
  ['region', 'kinds', 'lang'].forEach(function (name) {
    var value = script.getAttribute('data-' + name);
    if (value) query.set(name, value);
  });
  var iframe = document.createElement('iframe');
  iframe.src = widgetOrigin + '/?' + query.toString();
  iframe.title = script.getAttribute('data-title') || '科技需求对接 duijie';
  iframe.setAttribute('data-duijie', '');
  iframe.setAttribute('loading', 'lazy');
  // The iframe must send a referrer: the widget believes `parent` only when the referrer agrees.
  iframe.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
  iframe.style.cssText = 'width:100%;min-height:480px;border:0;display:block;';
  script.parentNode.insertBefore(iframe, script.nextSibling);

  window.addEventListener('message', function (event) {
    // Only the widget's own origin and window may talk to this page.
    if (event.origin !== widgetOrigin || event.source !== iframe.contentWindow) return;
    var data = event.data || {};
    if (data.type === 'duijie:height' && typeof data.height === 'number') {
      iframe.style.height = Math.max(200, Math.ceil(data.height)) + 'px';
    } else if (data.type === 'duijie:shortlist') {
      window.dispatchEvent(new CustomEvent('duijie:shortlist', { detail: { items: data.items || [] } }));
    }
  });

  iframe.duijieSetNeed = function (text) {
    iframe.contentWindow.postMessage({ type: 'duijie:need', text: String(text) }, widgetOrigin);
  };
})();
