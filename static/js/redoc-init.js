/* Starts Redoc on /api/redoc/ (templates/api/redoc.html) without an inline script.
 *
 * Redoc styles itself with <style> elements it creates as it renders; the
 * page's CSP admits them by this script's nonce, which Redoc's `nonce` option
 * puts on each one. (The browser hides a nonce from the DOM's attributes, but
 * keeps it in the script's `nonce` property.)
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var container = document.getElementById("redoc-container");

  // Redoc's sidebar shows Redocly's logo from their CDN. This site loads
  // nothing from elsewhere (its CSP would refuse it): the logo gets an empty
  // image instead, Redoc's error handler then leaves it out, its link stays.
  var REDOCLY_CDN = "https://cdn.redoc.ly/";
  var image = HTMLImageElement.prototype;
  function local(value) {
    return String(value).indexOf(REDOCLY_CDN) === 0 ? "data:," : value;
  }
  var setAttribute = image.setAttribute;
  image.setAttribute = function (name, value) {
    return setAttribute.call(this, name, name === "src" ? local(value) : value);
  };
  var src = Object.getOwnPropertyDescriptor(image, "src");
  Object.defineProperty(image, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, local(value));
    },
  });

  Redoc.init(container.dataset.specUrl, { nonce: script.nonce }, container);
})();
