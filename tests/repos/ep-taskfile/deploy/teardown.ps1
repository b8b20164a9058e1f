# Windows lab helpers
$Namespace = "ledger"
$env:OVERLAY = "manifests/base"
Set-Location $PSScriptRoot\..
kubectl delete -k $env:OVERLAY -n $Namespace
kubectl apply `
  -f manifests\base\gateway.yaml `
  -n ${Namespace}
