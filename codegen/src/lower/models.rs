//! Stage 3, models: each spec model becomes a struct, an enum or an alias of a model file.

use super::*;

impl Lowerer<'_> {
    pub(super) fn model_file(
        &mut self,
        file_index: usize,
        stem: &str,
        models: &[Model],
    ) -> ModelFile {
        let mut sorted: Vec<&Model> = models.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let mut imports = ModelImports::default();
        let mut foreign = BTreeSet::new();
        let mut items = Vec::new();
        for model in sorted {
            let target = self.ident(&model.name);
            if model.values.is_empty() {
                let mut fields = Vec::new();
                for f in &model.fields {
                    // Validation checked the type and the name.
                    let ty = TypeExpr::parse(&f.ty).unwrap_or(TypeExpr::Prim(Prim::Json));
                    for name in ty.models() {
                        if self
                            .index
                            .models
                            .get(name)
                            .is_some_and(|m| m.file != file_index)
                        {
                            foreign.insert(name.to_owned());
                        }
                    }
                    imports.timestamp |= mentions_datetime(&ty);
                    imports.btree_map |= ty.has_map();
                    let name = match &f.rust {
                        Some(name) => name.clone(),
                        None => naming::field_name(&f.name).unwrap_or_else(|_| f.name.clone()),
                    };
                    let inner = self.rust_type(&ty, Side::Models);
                    fields.push(StructField {
                        ident: self.ident(&name),
                        docs: doc_lines(&f.doc),
                        ty: if f.optional {
                            quote!(Option<#inner>)
                        } else {
                            inner
                        },
                        rename: (name != f.name).then(|| f.name.clone()),
                        optional: f.optional,
                        empty_as_none: f.optional && ty.is_datetime(),
                        secret: f.secret,
                    });
                }
                imports.redacted |= fields.iter().any(|f| f.secret);
                items.push(ModelItem::Struct(StructModel {
                    ident: target.clone(),
                    docs: doc_lines(&model.doc),
                    fields,
                }));
            } else {
                imports.enums = true;
                let mut variants = Vec::new();
                for v in &model.values {
                    let name = match &v.variant {
                        Some(name) => name.clone(),
                        None => naming::variant_name(&v.value).unwrap_or_else(|_| v.value.clone()),
                    };
                    let docs = match &v.doc {
                        Some(doc) => doc_lines(doc),
                        None => vec![format!("`{}`", v.value)],
                    };
                    variants.push(EnumVariant {
                        ident: self.ident(&name),
                        wire: v.value.clone(),
                        docs,
                    });
                }
                items.push(ModelItem::Enum(EnumModel {
                    ident: target.clone(),
                    docs: doc_lines(&model.doc),
                    variants,
                }));
            }
            for alias in &model.aliases {
                items.push(ModelItem::Alias(AliasModel {
                    ident: self.ident(alias),
                    target: target.clone(),
                    docs: vec![format!(
                        "Another name for [`{}`], kept because the reference library uses it.",
                        model.name
                    )],
                }));
            }
        }
        imports.models = foreign.iter().map(|name| self.ident(name)).collect();
        ModelFile {
            module: self.ident(stem),
            source: self.file.clone(),
            imports,
            items,
        }
    }
}

fn mentions_datetime(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::Prim(p) => *p == Prim::DateTime,
        TypeExpr::Model(_) => false,
        TypeExpr::List(inner) | TypeExpr::Map(inner) => mentions_datetime(inner),
    }
}
