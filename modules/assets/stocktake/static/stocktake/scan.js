// Scan a label with the phone's camera where the browser can decode QR codes itself
// (BarcodeDetector); elsewhere the search box takes what a scanner app or a handheld scanner
// types in (the label's URL) or a number or name typed by hand.
(function () {
  var button = document.getElementById("st-scan");
  var form = document.getElementById("st-search");
  if (!button || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var video = document.getElementById("st-camera");
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.hidden = false;
      video.srcObject = stream;
      video.play();
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            form.elements.q.value = codes[0].rawValue;
            form.submit();
          } else {
            window.requestAnimationFrame(tick);
          }
        }).catch(function () { window.requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () { button.hidden = true; });
  });
})();
