// Public API of the construct library. Only re-exports.
export * from "./aks-cluster";
export * from "./identity-vault";
export * from "./key-vault";
export * from "./key-vault-secret";
export * from "./keyvault-reader-workload";
export * from "./managed-identity";
export * from "./managed-identity-operator-assignment";
export * from "./node-resource-group-roles";
export * from "./pod-identity-binding";
export * from "./policy";
export * from "./principal";
export * from "./role-assignment";
export * from "./secret-provider-class";
export * from "./facts";
export * from "./validation";
export * from "./workload-identity-federation";
